#include "optim/checkpoint.h"

#include <charconv>
#include <cstdio>

#include "core/error.h"
#include "core/random.h"
#include "nn/serialize.h"

namespace ember::optim {
namespace {

constexpr const char* kFormat = "ember.optimizer.v1";

// Doubles are written with 17 significant digits: they read back bit for bit.
std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

struct Reader {
  const nn::Metadata& meta;
  const std::string& path;
  const std::string& get(const std::string& key) const {
    auto it = meta.find(key);
    if (it == meta.end())
      fail("load_state: ", path, ": metadata '", key, "' is missing (not an ember optimizer state file?)");
    return it->second;
  }
  int64_t integer(const std::string& key) const {
    const std::string& s = get(key);
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size())
      fail("load_state: ", path, ": metadata '", key, "' = '", s, "' is not an integer");
    return v;
  }
  double real(const std::string& key) const {
    const std::string& s = get(key);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size())
      fail("load_state: ", path, ": metadata '", key, "' = '", s, "' is not a number");
    return v;
  }
};

}  // namespace

void save_state(const Optimizer& optimizer, const std::string& path, const LRScheduler* scheduler,
                int64_t epoch) {
  nn::Metadata meta{{"format", kFormat},
                    {"optimizer", optimizer.name()},
                    {"num_params", std::to_string(optimizer.params().size())},
                    {"lr", exact(optimizer.lr())},
                    {"epoch", std::to_string(epoch)},
                    {"rng", default_generator().state()}};
  nn::NamedTensors tensors;
  const auto& state = optimizer.state();
  for (size_t i = 0; i < state.size(); ++i) {
    meta["step." + std::to_string(i)] = std::to_string(state[i].step);
    for (const auto& [name, t] : state[i].tensors)
      tensors.emplace_back("state." + std::to_string(i) + "." + name, t);
  }
  if (scheduler) {
    LRScheduler::State s = scheduler->state();
    meta["scheduler"] = scheduler->name();
    meta["scheduler.last_epoch"] = std::to_string(s.last_epoch);
    meta["scheduler.step_count"] = std::to_string(s.step_count);
    meta["scheduler.base_lr"] = exact(s.base_lr);
    meta["scheduler.last_lr"] = exact(s.last_lr);
  }
  nn::write_safetensors(path, tensors, meta);
}

int64_t load_state(Optimizer& optimizer, const std::string& path, LRScheduler* scheduler, bool restore_rng) {
  nn::SafetensorsFile file = nn::read_safetensors(path);
  Reader r{file.metadata, path};
  if (r.get("format") != kFormat)
    fail("load_state: ", path, ": format '", r.get("format"), "' is not ", kFormat);
  if (r.get("optimizer") != optimizer.name())
    fail("load_state: ", path, ": the file holds ", r.get("optimizer"), " state but the optimizer is ",
         optimizer.name());
  size_t n = optimizer.params().size();
  if (r.integer("num_params") != static_cast<int64_t>(n))
    fail("load_state: ", path, ": the file has state for ", r.integer("num_params"),
         " parameters but the optimizer has ", n);
  std::vector<ParamState> state(n);
  for (size_t i = 0; i < n; ++i) state[i].step = r.integer("step." + std::to_string(i));
  for (const auto& [name, t] : file.tensors) {
    // "state.<i>.<buffer name>"
    size_t dot = name.find('.', 6);
    size_t i = 0;
    bool ok = name.rfind("state.", 0) == 0 && dot != std::string::npos && dot > 6;
    if (ok) {
      auto [end, ec] = std::from_chars(name.data() + 6, name.data() + dot, i);
      ok = ec == std::errc() && end == name.data() + dot && i < n;
    }
    if (!ok) fail("load_state: ", path, ": unexpected tensor '", name, "'");
    if (t.shape() != optimizer.params()[i].shape())
      fail("load_state: ", path, ": tensor '", name, "' has shape ", t.shape(), " but parameter ", i,
           " has shape ", optimizer.params()[i].shape());
    state[i].tensors[name.substr(dot + 1)] = t;
  }
  double lr = r.real("lr");
  int64_t epoch = r.integer("epoch");
  LRScheduler::State sched;
  if (scheduler) {
    if (!file.metadata.count("scheduler"))
      fail("load_state: ", path, ": a scheduler was given but the file has no scheduler state");
    if (r.get("scheduler") != scheduler->name())
      fail("load_state: ", path, ": the file holds ", r.get("scheduler"), " state but the scheduler is ",
           scheduler->name());
    sched = {r.integer("scheduler.last_epoch"), r.integer("scheduler.step_count"),
             r.real("scheduler.base_lr"), r.real("scheduler.last_lr")};
  }
  std::string rng = r.get("rng");
  // Check the generator state text before anything changes.
  if (restore_rng) Generator(0).set_state(rng);
  if (!(lr >= 0)) fail("load_state: ", path, ": invalid lr ", lr);
  if (scheduler &&
      (sched.last_epoch < 0 || sched.step_count < 0 || !(sched.last_lr >= 0) || !(sched.base_lr >= 0)))
    fail("load_state: ", path, ": invalid scheduler state");
  for (const auto& s : state)
    if (s.step < 0) fail("load_state: ", path, ": negative step count");
  // All checked: apply.
  optimizer.set_state(std::move(state));
  optimizer.set_lr(lr);
  if (scheduler) scheduler->set_state(sched);
  if (restore_rng) default_generator().set_state(rng);
  return epoch;
}

}  // namespace ember::optim
