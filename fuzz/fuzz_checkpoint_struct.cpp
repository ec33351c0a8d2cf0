// A structure-aware fuzzer for the checkpoint loaders (nn::load,
// optim::load_checkpoint, optim::load_state) and their writers. Where
// fuzz_safetensors mutates bytes (and rarely gets past the JSON), this target
// *generates* files from the fuzzer's bytes: it saves a real checkpoint of one
// of eight optimizer set-ups, then rewrites its logical content — tensors
// dropped, added, renamed, given other dtypes, shapes, offsets or values
// (negative sums of squares, NaN); metadata keys removed or set to odd text
// (inf, nan, 1e999, hex floats, huge numbers, invalid UTF-8, lone surrogate
// escapes); keys repeated; values nested up to 100,000 deep — and writes it as
// safetensors text by hand, so that it can be anything. Other inputs point the
// loaders at a FIFO, /dev/null, /dev/zero and a folder, or save metadata made
// of raw bytes.
//
// What must hold: every call returns or throws ember::Error whose message
// starts with the call's name ("load: ", "load_checkpoint: ", "load_state: ",
// "save_checkpoint: ", …), names the file and stays short; a failed load
// changes nothing; a successful one trains a step. Any other exception, a
// crash, a hang or a sanitizer report is a finding.
#include <fuzzer/FuzzedDataProvider.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <initializer_list>

#include "ember.h"
#include "fuzz_snapshot.h"
#include "fuzz_util.h"

namespace {

using namespace ember;

// ---------------------------------------------------------------- the oracle

// Messages longer than this quote too much of the file.
constexpr size_t kMaxMessage = 1500;

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Runs f: a return is an answer; so is an ember::Error starting with one of `names`
// (each "load", …) followed by ": ". Returns whether it threw.
bool answer(const char* call, std::initializer_list<const char*> names, const std::function<void()>& f) {
  try {
    f();
    return false;
  } catch (const Error& e) {
    const std::string m = e.what();
    static const bool print = std::getenv("EMBER_FUZZ_PRINT") != nullptr;  // to see what a corpus reaches
    if (print) std::fprintf(stderr, "%s: %.200s\n", call, m.c_str());
    bool named = false;
    for (const char* n : names) named = named || starts_with(m, std::string(n) + ": ");
    FUZZ_CHECK(named, "%s: the message does not start with the call's name: %.300s", call, m.c_str());
    FUZZ_CHECK(m.size() <= kMaxMessage, "%s: a %zu-byte message: %.300s", call, m.size(), m.c_str());
    return true;
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "%s threw a non-ember exception: %.300s", call, e.what());
  } catch (...) {
    FUZZ_CHECK(false, "%s threw something that is not a std::exception", call);
  }
  return true;
}

std::shared_ptr<nn::Sequential> make_model() {
  manual_seed(0);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(4, 2)});
}

// The eight set-ups: each optimizer, and each option that adds a buffer.
constexpr int kSetups = 8;
std::unique_ptr<optim::Optimizer> make_optimizer(int kind, const std::vector<Tensor>& p) {
  switch (kind) {
    case 0:
      return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1f});
    case 1:
      return std::make_unique<optim::SGD>(p,
                                          optim::SGDOptions{.lr = 0.1f, .momentum = 0.9f, .nesterov = true});
    case 2:
      return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.01f});
    case 3:
      return std::make_unique<optim::Adam>(p, optim::AdamOptions{.lr = 0.01f, .amsgrad = true});
    case 4:
      return std::make_unique<optim::AdamW>(p, optim::AdamWOptions{.lr = 0.01f});
    case 5:
      return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions{.momentum = 0.5f, .centered = true});
    case 6:
      return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions{.lr_decay = 0.1f});
    default:  // its state is shared by all parameters: "shared.*" tensors and metadata
      return std::make_unique<optim::LBFGS>(
          p, optim::LBFGSOptions{.max_iter = 3, .history_size = 2, .line_search_fn = "strong_wolfe"});
  }
}

void train_one_step(nn::Module& model, optim::Optimizer& optimizer, optim::LRScheduler* scheduler) {
  Tensor y = model(tensor({0.5f, -1.0f, 2.0f, 1.0f, 0.0f, -0.5f}, {2, 3}));
  FUZZ_CHECK(y.shape() == Shape({2, 2}), "forward: shape %s", shape_str(y.shape()).c_str());
  if (auto* lbfgs = dynamic_cast<optim::LBFGS*>(&optimizer)) {
    lbfgs->step([&] {
      lbfgs->zero_grad();
      Tensor loss = F::mse_loss(model(tensor({0.5f, -1.0f, 2.0f, 1.0f, 0.0f, -0.5f}, {2, 3})), ones({2, 2}));
      loss.backward();
      return loss;
    });
  } else {
    optimizer.zero_grad();
    F::mse_loss(y, zeros({2, 2})).backward();
    optimizer.step();
  }
  if (scheduler) scheduler->step();
}

// Loads `path` every way it can be loaded into a fresh set-up of `kind`.
void load_everything(const std::string& path, int kind, bool with_scheduler) {
  {
    auto model = make_model();
    const std::string before =
        ember_fuzz::snapshot(*model, make_optimizer(kind, model->parameters()).get(), nullptr);
    if (answer("nn::load", {"load"}, [&] { nn::load(*model, path); })) {
      FUZZ_CHECK(
          ember_fuzz::snapshot(*model, make_optimizer(kind, model->parameters()).get(), nullptr) == before,
          "nn::load changed the model before failing");
    } else {
      Tensor y = (*model)(ones({1, 3}));
      FUZZ_CHECK(y.shape() == Shape({1, 2}), "forward after nn::load");
    }
  }
  for (bool state_file : {false, true}) {
    auto model = make_model();
    auto optimizer = make_optimizer(kind, model->parameters());
    std::unique_ptr<optim::StepLR> scheduler;
    if (with_scheduler) scheduler = std::make_unique<optim::StepLR>(*optimizer, 2, 0.5);
    train_one_step(*model, *optimizer, scheduler.get());  // some state to lose
    const std::string before = ember_fuzz::snapshot(*model, optimizer.get(), scheduler.get());
    nn::Metadata extra;
    const bool failed = state_file
                            ? answer("load_state", {"load", "load_state"},
                                     [&] { optim::load_state(*optimizer, path, scheduler.get()); })
                            : answer("load_checkpoint", {"load", "load_checkpoint"}, [&] {
                                optim::load_checkpoint(path, *model, *optimizer, scheduler.get(), &extra);
                              });
    if (failed) {
      FUZZ_CHECK(ember_fuzz::snapshot(*model, optimizer.get(), scheduler.get()) == before,
                 "%s changed something before failing", state_file ? "load_state" : "load_checkpoint");
      continue;
    }
    // What loaded is a state this optimizer could have reached: it must train.
    train_one_step(*model, *optimizer, scheduler.get());
  }
}

// ------------------------------------------------------------- the generator

// A tensor of the file: its header entry as raw JSON pieces, and its bytes.
struct Item {
  std::string name;     // JSON text of the key, quotes included
  std::string dtype;    // JSON text
  std::string shape;    // JSON text
  std::string offsets;  // JSON text; empty: computed from the data
  std::string data;
  std::string extra_fields;  // ",\"k\":v…" appended inside the entry
};

std::string quote(const std::string& raw) {  // JSON string with only '"' and '\' escaped: raw bytes stay raw
  std::string out = "\"";
  for (char c : raw) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string nested(size_t depth, const std::string& inner) {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

// Odd JSON values for metadata, names and fields (each valid JSON unless noted).
std::string odd_value(FuzzedDataProvider& in) {
  static const std::vector<std::string> values = {"\"inf\"",
                                                  "\"-inf\"",
                                                  "\"nan\"",
                                                  "\"-1\"",
                                                  "\"1e999\"",
                                                  "\"-1e999\"",
                                                  "\"0x1p-3\"",
                                                  "\"0x1p99999\"",
                                                  "\"\"",
                                                  "\"0\"",
                                                  "\"1\"",
                                                  "\"9223372036854775807\"",
                                                  "\"9223372036854775808\"",
                                                  "\"-9223372036854775808\"",
                                                  "\"1e-400\"",
                                                  "\" 1\"",
                                                  "\"1 \"",
                                                  "\"+1\"",
                                                  "\"caf\xe9\"" /* invalid UTF-8 */,
                                                  "\"\\ud800\"",
                                                  "\"\\udc00\\ud800\"",
                                                  "\"\\u0000\"",
                                                  "\"\\u00e9\"",
                                                  "\"\xc0\xaf\"",
                                                  "\"\xed\xa0\x80\"",
                                                  "\"\xf4\x90\x80\x80\"",
                                                  "\"\xc3\xa9\"",
                                                  "\"a\x01\"" /* raw control: invalid JSON */,
                                                  "1",
                                                  "-1",
                                                  "1e400",
                                                  "-0",
                                                  "1.5",
                                                  "18446744073709551616",
                                                  "null",
                                                  "true",
                                                  "[]",
                                                  "{}",
                                                  "[\"x\"]",
                                                  "{\"a\":\"b\"}",
                                                  "\"Adam\"",
                                                  "\"SGD\"",
                                                  "\"StepLR\"",
                                                  "\"ember.checkpoint.v1\"",
                                                  "\"ember.optimizer.v1\""};
  switch (in.ConsumeIntegralInRange<int>(0, 7)) {
    case 0:
      return quote(in.ConsumeRandomLengthString(48));
    case 1:
      return "\"" + std::string(in.ConsumeIntegralInRange<size_t>(1, 100000), '7') + "\"";
    default:
      return values[in.ConsumeIntegralInRange<size_t>(0, values.size() - 1)];
  }
}

std::string odd_shape(FuzzedDataProvider& in) {
  static const std::vector<std::string> shapes = {"[]",
                                                  "[0]",
                                                  "[-1]",
                                                  "[1.5]",
                                                  "[\"3\"]",
                                                  "[3]",
                                                  "[4]",
                                                  "[4,3]",
                                                  "[3,4]",
                                                  "[2,4]",
                                                  "[1,3,4]",
                                                  "[18446744073709551615]",
                                                  "[4611686018427387904,4]",
                                                  "[4294967296,4294967296]",
                                                  "null",
                                                  "{}",
                                                  "3",
                                                  "[1e400]",
                                                  "[-0]",
                                                  "[null]",
                                                  "[[4],[3]]"};
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
    static const size_t depths[] = {63, 64, 65, 1000, 100000};
    return nested(depths[in.ConsumeIntegralInRange<size_t>(0, 4)], "4");
  }
  return shapes[in.ConsumeIntegralInRange<size_t>(0, shapes.size() - 1)];
}

std::string odd_name(FuzzedDataProvider& in) {
  static const std::vector<std::string> names = {"state.0.exp_avg",
                                                 "state.0.exp_avg_sq",
                                                 "state.1.max_exp_avg_sq",
                                                 "state.2.momentum_buffer",
                                                 "state.3.square_avg",
                                                 "state.0.grad_avg",
                                                 "state.1.sum",
                                                 "state.0.bogus",
                                                 "state.4.exp_avg",
                                                 "state.99.exp_avg",
                                                 "state.-1.sum",
                                                 "state.x.sum",
                                                 "state..sum",
                                                 "state.0.",
                                                 "state.0",
                                                 "state.00.exp_avg",
                                                 "state.18446744073709551616.sum",
                                                 "shared.d",
                                                 "shared.old_dirs",
                                                 "shared.ro",
                                                 "shared.al",
                                                 "shared.",
                                                 "model.0.weight",
                                                 "model.0.bias",
                                                 "model.2.weight",
                                                 "model.9.bias",
                                                 "model.",
                                                 "0.weight",
                                                 "2.bias",
                                                 "",
                                                 "__metadata__",
                                                 "w"};
  if (in.ConsumeBool()) return quote(in.ConsumeRandomLengthString(24));
  return quote(names[in.ConsumeIntegralInRange<size_t>(0, names.size() - 1)]);
}

std::string float_bytes(const std::vector<float>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
}

std::string special_values(FuzzedDataProvider& in, size_t n) {
  static const float specials[] = {-1.0f,
                                   0.0f,
                                   -0.0f,
                                   1e30f,
                                   -1e30f,
                                   std::numeric_limits<float>::infinity(),
                                   -std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::quiet_NaN(),
                                   1e-45f,
                                   0.99f};
  std::vector<float> v(n);
  for (float& x : v) x = specials[in.ConsumeIntegralInRange<size_t>(0, std::size(specials) - 1)];
  return float_bytes(v);
}

struct File {
  std::vector<Item> items;
  std::vector<std::pair<std::string, std::string>> metadata;  // JSON texts of key and value
  std::vector<std::pair<std::string, std::string>> top;       // other top-level members
  bool metadata_present = true;
  std::string metadata_value;  // replaces the metadata object when not empty
  std::string length_field;    // replaces the 8-byte length when not empty
  std::string trailing;        // bytes after the data
};

File from_safetensors(const nn::SafetensorsFile& f) {
  File out;
  for (const auto& [name, t] : f.tensors) {
    std::string shape = "[";
    for (size_t d = 0; d < t.shape().size(); ++d) shape += (d ? "," : "") + std::to_string(t.shape()[d]);
    out.items.push_back({quote(name), "\"F32\"", shape + "]", "", float_bytes(t.to_vector()), ""});
  }
  for (const auto& [k, v] : f.metadata) out.metadata.emplace_back(quote(k), quote(v));
  return out;
}

std::string serialize(const File& f) {
  std::string header = "{", data;
  auto member = [&](const std::string& key, const std::string& value) {
    header += (header.size() > 1 ? "," : "") + key + ":" + value;
  };
  if (f.metadata_present) {
    std::string meta = "{";
    for (const auto& [k, v] : f.metadata) meta += (meta.size() > 1 ? "," : "") + k + ":" + v;
    member("\"__metadata__\"", f.metadata_value.empty() ? meta + "}" : f.metadata_value);
  }
  for (const Item& it : f.items) {
    const std::string offsets = it.offsets.empty() ? "[" + std::to_string(data.size()) + "," +
                                                         std::to_string(data.size() + it.data.size()) + "]"
                                                   : it.offsets;
    member(it.name, "{\"dtype\":" + it.dtype + ",\"shape\":" + it.shape + ",\"data_offsets\":" + offsets +
                        it.extra_fields + "}");
    data += it.data;
  }
  for (const auto& [k, v] : f.top) member(k, v);
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string length(8, '\0');
  for (int i = 0; i < 8; ++i) length[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  if (!f.length_field.empty()) length = f.length_field;
  return length + header + data + f.trailing;
}

void mutate(File& f, FuzzedDataProvider& in) {
  auto pick_item = [&]() -> Item* {
    if (f.items.empty()) return nullptr;
    return &f.items[in.ConsumeIntegralInRange<size_t>(0, f.items.size() - 1)];
  };
  auto pick_meta = [&]() -> std::pair<std::string, std::string>* {
    if (f.metadata.empty()) return nullptr;
    return &f.metadata[in.ConsumeIntegralInRange<size_t>(0, f.metadata.size() - 1)];
  };
  // The state's own mutations (16-18) are separate cases, so that they are not rare.
  auto pick_state = [&]() -> Item* {
    std::vector<Item*> state;
    for (Item& it : f.items)
      if (it.name.rfind("\"state.", 0) == 0 || it.name.rfind("\"shared.", 0) == 0) state.push_back(&it);
    return state.empty() ? nullptr : state[in.ConsumeIntegralInRange<size_t>(0, state.size() - 1)];
  };
  switch (in.ConsumeIntegralInRange<int>(0, 18)) {
    case 16:  // drop an optimizer buffer
      if (Item* it = pick_state()) f.items.erase(f.items.begin() + (it - f.items.data()));
      break;
    case 17: {  // a rate, count or epoch out of range, as valid text
      static const char* keys[] = {"lr",
                                   "scheduler.base_lr",
                                   "scheduler.last_lr",
                                   "epoch",
                                   "step.0",
                                   "step.1",
                                   "scheduler.last_epoch",
                                   "scheduler.step_count",
                                   "num_params",
                                   "shared.n_iter",
                                   "shared.func_evals",
                                   "shared.t",
                                   "shared.H_diag",
                                   "shared.prev_loss"};
      static const char* values[] = {"inf",
                                     "-inf",
                                     "nan",
                                     "-nan",
                                     "1e999",
                                     "-1",
                                     "-0",
                                     "0",
                                     "1e308",
                                     "4.9e-324",
                                     "0x1p1024",
                                     "-9223372036854775808",
                                     "9223372036854775807"};
      const std::string key = quote(keys[in.ConsumeIntegralInRange<size_t>(0, std::size(keys) - 1)]);
      const std::string value = quote(values[in.ConsumeIntegralInRange<size_t>(0, std::size(values) - 1)]);
      bool set = false;
      for (auto& [k, v] : f.metadata)
        if (k == key) v = value, set = true;
      if (!set) f.metadata.emplace_back(key, value);
      break;
    }
    case 18:  // special values in an optimizer buffer: negative sums of squares, NaN, inf
      if (Item* it = pick_state()) it->data = special_values(in, it->data.size() / 4);
      break;
    case 0:  // drop a tensor (a buffer, a model weight)
      if (!f.items.empty())
        f.items.erase(f.items.begin() + in.ConsumeIntegralInRange<size_t>(0, f.items.size() - 1));
      break;
    case 1: {  // add a tensor
      const int64_t n = in.ConsumeIntegralInRange<int64_t>(0, 12);
      f.items.push_back({odd_name(in), "\"F32\"", "[" + std::to_string(n) + "]", "",
                         special_values(in, static_cast<size_t>(n)), ""});
      break;
    }
    case 2:  // rename
      if (Item* it = pick_item()) it->name = odd_name(in);
      break;
    case 3:  // another dtype
      if (Item* it = pick_item()) {
        static const char* dtypes[] = {"\"F16\"", "\"F64\"", "\"BF16\"", "\"I64\"",   "\"Q9\"",        "\"\"",
                                       "\"f32\"", "32",      "null",     "[\"F32\"]", "\"F32\\u0000\""};
        it->dtype = dtypes[in.ConsumeIntegralInRange<size_t>(0, std::size(dtypes) - 1)];
      }
      break;
    case 4:  // another shape
      if (Item* it = pick_item()) it->shape = odd_shape(in);
      break;
    case 5:  // other offsets
      if (Item* it = pick_item()) {
        static const char* offsets[] = {
            "[0,0]",   "[0,12]", "[12,0]",   "[0,18446744073709551615]", "[-4,8]",   "[0]",
            "[0,1,2]", "null",   "[0.0,48]", "[\"0\",\"48\"]",           "[0,1e400]"};
        it->offsets = offsets[in.ConsumeIntegralInRange<size_t>(0, std::size(offsets) - 1)];
      }
      break;
    case 6:  // special values: negative sums of squares, NaN, inf
      if (Item* it = pick_item()) it->data = special_values(in, it->data.size() / 4);
      break;
    case 7:  // a metadata value
      if (auto* m = pick_meta()) m->second = odd_value(in);
      break;
    case 8:  // a metadata key removed
      if (!f.metadata.empty())
        f.metadata.erase(f.metadata.begin() + in.ConsumeIntegralInRange<size_t>(0, f.metadata.size() - 1));
      break;
    case 9: {  // a metadata entry added, its key the file's own or odd
      static const char* keys[] = {"lr",
                                   "epoch",
                                   "step.0",
                                   "step.3",
                                   "step.4",
                                   "num_params",
                                   "optimizer",
                                   "format",
                                   "rng",
                                   "scheduler",
                                   "scheduler.last_epoch",
                                   "scheduler.step_count",
                                   "scheduler.base_lr",
                                   "scheduler.last_lr"};
      std::string key = in.ConsumeBool()
                            ? quote(keys[in.ConsumeIntegralInRange<size_t>(0, std::size(keys) - 1)])
                            : odd_value(in);
      f.metadata.emplace_back(key, odd_value(in));
      break;
    }
    case 10:  // a key twice: a tensor, a metadata key, a field of an entry
      if (in.ConsumeBool()) {
        if (Item* it = pick_item()) f.items.push_back(*it);
      } else if (in.ConsumeBool()) {
        if (auto* m = pick_meta()) f.metadata.push_back(*m);
      } else if (Item* it = pick_item()) {
        it->extra_fields += in.ConsumeBool() ? ",\"shape\":[4]" : ",\"d\\u0074ype\":\"F32\"";
      }
      break;
    case 11: {  // deep nesting somewhere
      static const size_t depths[] = {62, 63, 64, 65, 500, 100000};
      const std::string deep =
          nested(depths[in.ConsumeIntegralInRange<size_t>(0, std::size(depths) - 1)], "");
      switch (in.ConsumeIntegralInRange<int>(0, 3)) {
        case 0:
          if (auto* m = pick_meta()) m->second = deep;
          break;
        case 1:
          f.top.emplace_back("\"deep\"", deep);
          break;
        case 2:
          if (Item* it = pick_item()) it->extra_fields += ",\"x\":" + deep;
          break;
        default:
          f.metadata_value = deep;
      }
      break;
    }
    case 12:  // the metadata not an object, or absent
      if (in.ConsumeBool())
        f.metadata_value = odd_value(in);
      else
        f.metadata_present = false;
      break;
    case 13:  // another top-level member
      f.top.emplace_back(odd_name(in), odd_value(in));
      break;
    case 14: {  // the length field or trailing bytes
      if (in.ConsumeBool()) {
        f.length_field = in.ConsumeBytesAsString(8);
        f.length_field.resize(8, '\0');
      } else {
        f.trailing = in.ConsumeRandomLengthString(16);
      }
      break;
    }
    default:  // an entry that is not an object
      if (Item* it = pick_item()) {
        f.top.emplace_back(it->name, odd_value(in));
        f.items.erase(f.items.begin() + (it - f.items.data()));
      }
  }
}

const std::string& fifo_path() {
  static const std::string path = [] {
    std::string p = (ember_fuzz::scratch_dir() / "fifo").string();
    ::mkfifo(p.c_str(), 0600);
    return p;
  }();
  return path;
}

// The loaders pointed at files that are not regular: each refused at once, by name.
void non_regular(FuzzedDataProvider& in) {
  const std::string folder = (ember_fuzz::scratch_dir() / "folder").string();
  std::filesystem::create_directories(folder);
  const std::string paths[] = {"/dev/null", "/dev/zero", fifo_path(), folder};
  const std::string& path = paths[in.ConsumeIntegralInRange<size_t>(0, 3)];
  auto model = make_model();
  auto optimizer = make_optimizer(in.ConsumeIntegralInRange<int>(0, kSetups - 1), model->parameters());
  auto refused = [&](const char* call, std::initializer_list<const char*> names,
                     const std::function<void()>& f) {
    FUZZ_CHECK(answer(call, names, f), "%s accepted %s", call, path.c_str());
  };
  refused("nn::load", {"load"}, [&] { nn::load(*model, path); });
  refused("load_checkpoint", {"load"}, [&] { optim::load_checkpoint(path, *model, *optimizer); });
  refused("load_state", {"load"}, [&] { optim::load_state(*optimizer, path); });
  refused("read_idx", {"idx"}, [&] { data::read_idx(path); });
  refused("read_idx_labels", {"idx"}, [&] { data::read_idx_labels(path); });
}

// Saving metadata made of raw bytes: refused by name, or read back unchanged.
void save_odd_metadata(FuzzedDataProvider& in, int kind) {
  const std::string path = (ember_fuzz::scratch_dir() / "saved.safetensors").string();
  auto model = make_model();
  auto optimizer = make_optimizer(kind, model->parameters());
  nn::Metadata extra;
  const int n = in.ConsumeIntegralInRange<int>(1, 3);
  for (int i = 0; i < n; ++i) {
    std::string key = in.ConsumeRandomLengthString(16);
    extra[key] = in.ConsumeRandomLengthString(32);
  }
  if (in.ConsumeBool()) {
    if (answer("nn::save", {"save"}, [&] { nn::save(*model, path, extra); })) return;
    FUZZ_CHECK(nn::read_safetensors(path).metadata == extra, "nn::save: metadata did not read back");
    return;
  }
  if (answer("save_checkpoint", {"save_checkpoint", "save"},
             [&] { optim::save_checkpoint(path, *model, *optimizer, nullptr, 1, extra); }))
    return;
  nn::Metadata got;
  auto again = make_model();
  auto fresh = make_optimizer(kind, again->parameters());
  FUZZ_CHECK(!answer("load_checkpoint", {"load", "load_checkpoint"},
                     [&] { optim::load_checkpoint(path, *again, *fresh, nullptr, &got); }),
             "a checkpoint save_checkpoint wrote does not load");
  FUZZ_CHECK(got == extra, "save_checkpoint: the extra metadata did not read back");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const int mode = in.ConsumeIntegralInRange<int>(0, 15);
  const int kind = in.ConsumeIntegralInRange<int>(0, kSetups - 1);
  if (mode == 0) {
    non_regular(in);
    return 0;
  }
  if (mode == 1) {
    save_odd_metadata(in, kind);
    return 0;
  }
  // A real file of this set-up: after some steps, as a checkpoint or an optimizer state file.
  const bool with_scheduler = in.ConsumeBool(), state_file = in.ConsumeBool();
  const int steps = in.ConsumeIntegralInRange<int>(0, 2);
  const std::string path = (ember_fuzz::scratch_dir() / "generated.safetensors").string();
  {
    auto model = make_model();
    auto optimizer = make_optimizer(kind, model->parameters());
    std::unique_ptr<optim::StepLR> scheduler;
    if (with_scheduler) scheduler = std::make_unique<optim::StepLR>(*optimizer, 2, 0.5);
    for (int i = 0; i < steps; ++i) train_one_step(*model, *optimizer, scheduler.get());
    if (state_file)
      optim::save_state(*optimizer, path, scheduler.get(), 3);
    else
      optim::save_checkpoint(path, *model, *optimizer, scheduler.get(), 3, {{"note", "seed"}});
  }
  File file = from_safetensors(nn::read_safetensors(path));
  const int mutations = in.ConsumeIntegralInRange<int>(0, 6);
  for (int i = 0; i < mutations && in.remaining_bytes() > 0; ++i) mutate(file, in);
  const std::string bytes = serialize(file);
  ember_fuzz::write_file("generated.safetensors", reinterpret_cast<const uint8_t*>(bytes.data()),
                         bytes.size());
  // Mostly into the set-up that wrote it (to get past the kind checks), sometimes another.
  const int load_kind =
      in.ConsumeIntegralInRange<int>(0, 3) == 0 ? in.ConsumeIntegralInRange<int>(0, kSetups - 1) : kind;
  load_everything(path, load_kind, with_scheduler);
  return 0;
}
