// The pieces both file layouts share: add_state writes the optimizer's,
// scheduler's and generator's state into tensors and metadata; parse_state
// reads and checks it into a SavedState without changing anything; apply_state
// puts it in place. save_state/load_state wrap them alone, save_checkpoint/
// load_checkpoint with the model's tensors and the caller's metadata.
#include "optim/checkpoint.h"

#include <charconv>
#include <cmath>
#include <set>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/random.h"
#include "core/untrusted_text.h"

namespace ember::optim {
namespace {

constexpr const char* kStateFormat = "ember.optimizer.v1";
constexpr const char* kCheckpointFormat = "ember.checkpoint.v1";
constexpr const char* kModelPrefix = "model.";
// The optimizer's shared state (LBFGS's history): tensors and metadata "shared.<name>".
const std::string kSharedPrefix = "shared.";

// The metadata keys add_state and the format use; a checkpoint's `extra` may use any other.
bool is_own_key(const std::string& key) {
  static const std::set<std::string> fixed{"format", "optimizer", "num_params", "lr",
                                           "epoch",  "rng",       "scheduler"};
  return fixed.count(key) || key.rfind("step.", 0) == 0 || key.rfind("scheduler.", 0) == 0 ||
         key.rfind(kSharedPrefix, 0) == 0;
}

// Tensors "state.<i>.<name>" and "shared.<name>"; metadata: the optimizer's name, parameter
// count, lr, per-parameter step counts and shared values, the scheduler's state, the epoch,
// the generator.
void add_state(nn::NamedTensors& tensors, nn::Metadata& meta, const Optimizer& optimizer,
               const LRScheduler* scheduler, int64_t epoch) {
  meta["optimizer"] = optimizer.name();
  meta["num_params"] = std::to_string(optimizer.params().size());
  meta["lr"] = nn::exact_text(optimizer.lr());
  meta["epoch"] = std::to_string(epoch);
  meta["rng"] = default_generator().state();
  const auto& state = optimizer.state();
  for (size_t i = 0; i < state.size(); ++i) {
    meta["step." + std::to_string(i)] = std::to_string(state[i].step);
    for (const auto& [name, t] : state[i].tensors)
      tensors.emplace_back("state." + std::to_string(i) + "." + name, t);
  }
  SharedState shared = optimizer.shared_state();
  for (const auto& [name, t] : shared.tensors) tensors.emplace_back(kSharedPrefix + name, t);
  for (const auto& [name, value] : shared.values) meta[kSharedPrefix + name] = value;
  if (scheduler) {
    LRScheduler::State s = scheduler->state();
    meta["scheduler"] = scheduler->name();
    meta["scheduler.last_epoch"] = std::to_string(s.last_epoch);
    meta["scheduler.step_count"] = std::to_string(s.step_count);
    meta["scheduler.base_lr"] = nn::exact_text(s.base_lr);
    meta["scheduler.last_lr"] = nn::exact_text(s.last_lr);
  }
}

// What add_state wrote, read back and checked: applying it cannot fail.
struct SavedState {
  std::vector<ParamState> params;
  SharedState shared;
  double lr = 0;
  int64_t epoch = 0;
  LRScheduler::State scheduler;  // read only when a scheduler is given
  std::string rng;
};

// Every tensor must be "state.<i>.<name>" or "shared.<name>"; errors begin with the reader's context.
SavedState parse_state(const nn::NamedTensors& tensors, const nn::MetadataReader& r,
                       const Optimizer& optimizer, const LRScheduler* scheduler, bool check_rng) {
  const std::string& where = r.context;
  if (r.text("optimizer") != optimizer.name())
    fail(where, ": the file holds ", detail::printable(r.text("optimizer")), " state but the optimizer is ",
         optimizer.name());
  size_t n = optimizer.params().size();
  if (r.integer("num_params") != static_cast<int64_t>(n))
    fail(where, ": the file has state for ", r.integer("num_params"), " parameters but the optimizer has ",
         n);
  SavedState s;
  s.params.resize(n);
  for (size_t i = 0; i < n; ++i) s.params[i].step = r.integer("step." + std::to_string(i));
  for (const auto& [key, value] : r.metadata)
    if (key.rfind(kSharedPrefix, 0) == 0) s.shared.values[key.substr(kSharedPrefix.size())] = value;
  for (const auto& [name, t] : tensors) {
    if (name.rfind(kSharedPrefix, 0) == 0) {
      s.shared.tensors[name.substr(kSharedPrefix.size())] = t;
      continue;
    }
    size_t dot = name.find('.', 6);
    size_t i = 0;
    bool ok = name.rfind("state.", 0) == 0 && dot != std::string::npos && dot > 6;
    if (ok) {
      auto [end, ec] = std::from_chars(name.data() + 6, name.data() + dot, i);
      ok = ec == std::errc() && end == name.data() + dot && i < n;
    }
    if (!ok) fail(where, ": unexpected tensor '", detail::printable(name), "'");
    if (t.shape() != optimizer.params()[i].shape())
      fail(where, ": tensor '", detail::printable(name), "' has shape ", t.shape(), " but parameter ", i,
           " has shape ", optimizer.params()[i].shape());
    s.params[i].tensors[name.substr(dot + 1)] = t;
  }
  s.lr = r.real("lr");
  s.epoch = r.integer("epoch");
  if (scheduler) {
    if (!r.metadata.count("scheduler"))
      fail(where, ": a scheduler was given but the file has no scheduler state");
    if (r.text("scheduler") != scheduler->name())
      fail(where, ": the file holds ", detail::printable(r.text("scheduler")), " state but the scheduler is ",
           scheduler->name());
    s.scheduler = {r.integer("scheduler.last_epoch"), r.integer("scheduler.step_count"),
                   r.real("scheduler.base_lr"), r.real("scheduler.last_lr")};
  }
  s.rng = r.text("rng");
  if (check_rng) {
    try {
      Generator(0).set_state(s.rng);  // a scratch generator: the real one changes only in apply_state
    } catch (const Error& e) {
      fail(where, ": metadata 'rng': ", e.what());
    }
  }
  // What Optimizer::set_state, set_lr and LRScheduler::set_state would refuse, refused now, and
  // more: every buffer the optimizer's step reads (Adam without exp_avg_sq would step from
  // garbage), and finite rates — an infinite lr is accepted by set_lr but no run reaches one.
  auto check_rate = [&](const char* key, double v) {
    if (!(v >= 0) || !std::isfinite(v))
      fail(where, ": metadata '", key, "' = ", v, " is not a learning rate (it must be finite and >= 0)");
  };
  check_rate("lr", s.lr);
  if (s.epoch < 0) fail(where, ": metadata 'epoch' = ", s.epoch, " is negative");
  const LRScheduler::State& c = s.scheduler;
  if (scheduler) {
    if (c.last_epoch < 0 || c.step_count < 0 || c.last_epoch > kMaxStepCount || c.step_count > kMaxStepCount)
      fail(where, ": invalid scheduler state (scheduler.last_epoch=", c.last_epoch,
           ", scheduler.step_count=", c.step_count, "; both must be in 0..2^53)");
    check_rate("scheduler.base_lr", c.base_lr);
    check_rate("scheduler.last_lr", c.last_lr);
  }
  optimizer.check_state(s.params, where);
  optimizer.check_shared_state(s.shared, where);
  return s;
}

void apply_state(SavedState s, Optimizer& optimizer, LRScheduler* scheduler, bool restore_rng) {
  optimizer.set_state(std::move(s.params));
  optimizer.set_shared_state(s.shared);
  optimizer.set_lr(s.lr);
  if (scheduler) scheduler->set_state(s.scheduler);
  if (restore_rng) default_generator().set_state(s.rng);
}

}  // namespace

void save_state(const Optimizer& optimizer, const std::string& path, const LRScheduler* scheduler,
                int64_t epoch) {
  nn::NamedTensors tensors;
  nn::Metadata meta{{"format", kStateFormat}};
  add_state(tensors, meta, optimizer, scheduler, epoch);
  nn::write_safetensors(path, tensors, meta);
}

int64_t load_state(Optimizer& optimizer, const std::string& path, LRScheduler* scheduler, bool restore_rng) {
  nn::SafetensorsFile file = nn::read_safetensors(path);
  nn::MetadataReader r{file.metadata, "load_state: " + path, " (not an ember optimizer state file?)"};
  if (r.text("format") != kStateFormat)
    fail(r.context, ": format '", detail::printable(r.text("format")), "' is not ", kStateFormat);
  SavedState state = parse_state(file.tensors, r, optimizer, scheduler, restore_rng);
  int64_t epoch = state.epoch;
  apply_state(std::move(state), optimizer, scheduler, restore_rng);
  return epoch;
}

void save_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                     const LRScheduler* scheduler, int64_t epoch, const nn::Metadata& extra) {
  for (const auto& [key, value] : extra) {
    if (is_own_key(key))
      fail("save_checkpoint: ", path, ": extra metadata key '", key,
           "' is one of the checkpoint's own (format, optimizer, num_params, lr, epoch, rng, scheduler, "
           "step.*, scheduler.*, shared.*)");
    // Metadata is JSON text: checked here so that the message names the call the user made.
    if (auto at = detail::invalid_utf8_at(key))
      fail("save_checkpoint: ", path, ": extra metadata key '", detail::printable(key),
           "' is not valid UTF-8 (byte ", *at, ")");
    if (auto at = detail::invalid_utf8_at(value))
      fail("save_checkpoint: ", path, ": extra metadata value of '", key, "' is not valid UTF-8 (byte ", *at,
           ": '", detail::printable(value), "')");
  }
  nn::NamedTensors tensors;
  for (const auto& [name, t] : model.named_parameters()) tensors.emplace_back(kModelPrefix + name, t);
  for (const auto& [name, t] : model.named_buffers()) tensors.emplace_back(kModelPrefix + name, t);
  nn::Metadata meta = extra;
  meta["format"] = kCheckpointFormat;
  add_state(tensors, meta, optimizer, scheduler, epoch);
  std::vector<std::string> int64_names;
  for (const std::string& name : model.int64_buffer_names()) int64_names.push_back(kModelPrefix + name);
  nn::write_safetensors(path, tensors, meta, int64_names);
}

int64_t load_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                        LRScheduler* scheduler, nn::Metadata* extra, bool restore_rng) {
  nn::SafetensorsFile file = nn::read_safetensors(path);
  nn::MetadataReader r{file.metadata, "load_checkpoint: " + path, " (not an ember checkpoint?)"};
  if (r.text("format") != kCheckpointFormat)
    fail(r.context, ": format '", detail::printable(r.text("format")), "' is not ", kCheckpointFormat,
         r.text("format") == kStateFormat ? " (it is optimizer state from save_state: use load_state)" : "");
  nn::NamedTensors model_part, state_part;
  for (const auto& named : file.tensors)
    (named.first.rfind(kModelPrefix, 0) == 0 ? model_part : state_part).push_back(named);
  // Check everything, the model included, before changing anything.
  nn::TensorCopies copies = nn::match_tensors(model, model_part, path, kModelPrefix);
  SavedState state = parse_state(state_part, r, optimizer, scheduler, restore_rng);
  int64_t epoch = state.epoch;
  nn::copy_tensors(copies);
  apply_state(std::move(state), optimizer, scheduler, restore_rng);
  if (extra) {
    extra->clear();
    for (const auto& [key, value] : file.metadata)
      if (!is_own_key(key)) (*extra)[key] = value;
  }
  return epoch;
}

}  // namespace ember::optim
