// Issue 17: what an outside probe did to the file loaders (nn::load,
// read_safetensors, optim::load_checkpoint / load_state, read_idx, the MNIST
// digits JSON) — deep nesting, invalid UTF-8, non-regular files, optimizer
// state with buffers missing or hyper-parameters out of range, messages that
// did not name the problem. Each must end in an ember::Error that names the
// call, the file and the problem, never a crash, a hang or another exception.
#include <ember.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "core_test_util.h"

using namespace ember;
using ember::testing::error_of;
using ember::testing::ThrowsWith;
namespace fs = std::filesystem;

namespace {

// A fresh folder per test, removed at the end.
class ProbeLoaders : public ::testing::Test {
 protected:
  void SetUp() override {
    dir =
        fs::temp_directory_path() /
        ("ember_test_probe_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A safetensors file of the given header text (padded to 8 bytes) and data bytes.
std::string safetensors_bytes(std::string header, const std::string& data) {
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header + data;
}

const std::string kTwelveBytes(12, '\0');  // three F32 zeros

// The model the header above describes: one parameter "w" of shape [3].
class OneWeight : public nn::Module {
 public:
  OneWeight() { w = register_parameter("w", zeros({3})); }
  Tensor forward(const Tensor& x) override { return x * w; }
  std::string name() const override { return "OneWeight"; }
  Tensor w;
};

std::shared_ptr<nn::Sequential> small_model() {
  manual_seed(0);
  return std::make_shared<nn::Sequential>(
      std::initializer_list<std::shared_ptr<nn::Module>>{std::make_shared<nn::Linear>(3, 2)});
}

void one_step(nn::Module& model, optim::Optimizer& optimizer) {
  optimizer.zero_grad();
  model(ones({2, 3})).sum().backward();
  optimizer.step();
}

std::vector<float> values_of(nn::Module& model) {
  std::vector<float> all;
  for (const auto& [name, t] : model.named_parameters())
    for (float v : t.to_vector()) all.push_back(v);
  return all;
}

}  // namespace

TEST_F(ProbeLoaders, SafetensorsHeaderNestedDeeplyIsRefusedBeforeParsing) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const std::string path = file("deep.safetensors");
  write_bytes(path,
              safetensors_bytes(R"({"w":{"dtype":"F32","shape":)" + deep + R"(,"data_offsets":[0,12]}})",
                                kTwelveBytes));
  OneWeight m;
  EXPECT_TRUE(
      ThrowsWith([&] { nn::load(m, path); }, {"load: " + path + ": ", "nests deeper than 64 levels"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::read_safetensors(path); }, {"load: " + path, "64 levels"}));
  optim::SGD sgd(m.parameters(), {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(path, m, sgd); }, {path, "nests deeper than 64"}));
  EXPECT_EQ(m.w.to_vector(), std::vector<float>(3, 0.0f));
}

TEST_F(ProbeLoaders, BracketsInsideStringsDoNotCountAsNesting) {
  const std::string path = file("brackets.safetensors");
  const std::string note(5000, '[');
  nn::Metadata meta{{"note", note + "\"{"}};
  OneWeight m;
  nn::save(m, path, meta);
  EXPECT_EQ(nn::read_safetensors(path).metadata, meta);
}

TEST_F(ProbeLoaders, MnistDigitsJsonNestedDeeplyIsRefused) {
  write_bytes(file("0.json"), R"({"data":)" + std::string(100000, '[') + std::string(100000, ']') + "}");
  EXPECT_TRUE(ThrowsWith([&] { data::load_mnist_digits(dir.string()); },
                         {"load_mnist_digits: ", "0.json", "nests deeper than 64 levels"}));
}

TEST_F(ProbeLoaders, MessagesQuoteAtMostAShortExcerptOfTheFile) {
  // A 200 KB non-number in a digits file, a 100 KB tensor name with a bad dtype, a 100 KB shape.
  std::string zeros_783;
  for (int i = 0; i < 783; ++i) zeros_783 += ",0";
  write_bytes(file("0.json"), R"({"data":[")" + std::string(200000, 'x') + "\"" + zeros_783 + "]}");
  std::string e = error_of([&] { data::load_mnist_digits(dir.string()); });
  EXPECT_NE(e.find("value 0 (\"xxx"), std::string::npos) << e.substr(0, 300);
  EXPECT_NE(e.find("bytes)"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 600u);

  const std::string path = file("long.safetensors");
  const std::string name(100000, 'n');
  write_bytes(path,
              safetensors_bytes(R"({")" + name + R"(":{"dtype":"Q9","shape":[3],"data_offsets":[0,12]}})",
                                kTwelveBytes));
  e = error_of([&] { nn::read_safetensors(path); });
  EXPECT_NE(e.find("unknown dtype 'Q9'"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 600u);

  std::string shape = "[1";
  for (int i = 0; i < 20000; ++i) shape += ",-1";
  write_bytes(path,
              safetensors_bytes(R"({"w":{"dtype":"F32","shape":)" + shape + R"(],"data_offsets":[0,12]}})",
                                kTwelveBytes));
  e = error_of([&] { nn::read_safetensors(path); });
  EXPECT_NE(e.find("not a non-negative integer: -1"), std::string::npos) << e.substr(0, 300);
  EXPECT_LT(e.size(), 600u);
}

TEST_F(ProbeLoaders, InvalidUtf8InSavedMetadataIsAnErrorNamingTheKey) {
  OneWeight m;
  const std::string path = file("m.safetensors");
  EXPECT_TRUE(ThrowsWith(
      [&] {
        nn::save(m, path, {{"note", "caf\xe9"}});
      },
      {"save: " + path + ": metadata value of 'note' is not valid UTF-8 (byte 3", "caf\\xe9"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        nn::save(m, path, {{"caf\xe9", "x"}});
      },
      {"save: " + path + ": metadata key 'caf\\xe9' is not valid UTF-8"}));
  // Overlong forms and encoded surrogates are not UTF-8 either; real UTF-8 is kept.
  EXPECT_TRUE(ThrowsWith([&] { nn::save(m, path, {{"k", "\xc0\xaf"}}); }, {"'k' is not valid UTF-8"}));
  EXPECT_TRUE(ThrowsWith([&] { nn::save(m, path, {{"k", "\xed\xa0\x80"}}); }, {"'k' is not valid UTF-8"}));
  EXPECT_FALSE(fs::exists(path));
  nn::save(m, path, {{"note", "caf\xc3\xa9 \xf0\x9f\x94\xa5"}});
  EXPECT_EQ(nn::read_safetensors(path).metadata.at("note"), "caf\xc3\xa9 \xf0\x9f\x94\xa5");
}

TEST_F(ProbeLoaders, InvalidUtf8InAParameterNameIsAnErrorNamingIt) {
  class Odd : public nn::Module {
   public:
    Odd() { register_parameter("caf\xe9", zeros({2})); }
    Tensor forward(const Tensor& x) override { return x; }
    std::string name() const override { return "Odd"; }
  } m;
  const std::string path = file("odd.safetensors");
  EXPECT_TRUE(ThrowsWith([&] { nn::save(m, path); },
                         {"save: " + path + ": tensor name 'caf\\xe9' is not valid UTF-8 (byte 3)"}));
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ProbeLoaders, InvalidUtf8InACheckpointExtraKeyIsAnErrorNamingIt) {
  auto model = small_model();
  optim::SGD sgd(model->parameters(), {.lr = 0.1f});
  const std::string path = file("ckpt.safetensors");
  EXPECT_TRUE(ThrowsWith(
      [&] {
        optim::save_checkpoint(path, *model, sgd, nullptr, 0, {{"caf\xe9", "1"}});
      },
      {"save_checkpoint: " + path + ": extra metadata key 'caf\\xe9' is not valid UTF-8"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        optim::save_checkpoint(path, *model, sgd, nullptr, 0, {{"note", "\xff"}});
      },
      {"save_checkpoint: " + path + ": extra metadata value of 'note' is not valid UTF-8"}));
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ProbeLoaders, InvalidUtf8OrEscapesInAFileHeaderAreErrors) {
  const std::string path = file("bad.safetensors");
  const std::string entry = R"("w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]})";
  write_bytes(path,
              safetensors_bytes("{\"__metadata__\":{\"note\":\"caf\xe9\"}," + entry + "}", kTwelveBytes));
  EXPECT_TRUE(ThrowsWith([&] { nn::read_safetensors(path); },
                         {"load: " + path + ": the header is not valid UTF-8 (byte ", "\\xe9"}));
  // A lone surrogate escape is valid ASCII but not a character: nlohmann's reason is quoted.
  write_bytes(path, safetensors_bytes(R"({"__metadata__":{"note":"\ud800"},)" + entry + "}", kTwelveBytes));
  EXPECT_TRUE(ThrowsWith([&] { nn::read_safetensors(path); },
                         {"load: " + path + ": the header is not valid JSON (", "surrogate"}));
}

TEST_F(ProbeLoaders, DuplicateHeaderKeyIsNamed) {
  const std::string path = file("twice.safetensors");
  const std::string entry = R"({"dtype":"F32","shape":[3],"data_offsets":[0,12]})";
  write_bytes(path, safetensors_bytes(R"({"w":)" + entry + R"(,"w":)" + entry + "}", kTwelveBytes));
  OneWeight m;
  EXPECT_TRUE(ThrowsWith([&] { nn::load(m, path); },
                         {"load: " + path + ": the header has the key 'w' twice in one object"}));
  // Inside an entry, and spelled with an escape.
  write_bytes(path,
              safetensors_bytes(R"({"w":{"dtype":"F32","shape":[3],"\u0073hape":[3],"data_offsets":[0,12]}})",
                                kTwelveBytes));
  EXPECT_TRUE(ThrowsWith([&] { nn::load(m, path); }, {"the key 'shape' twice"}));
  // The same key in two different objects is not a duplicate.
  write_bytes(path, safetensors_bytes(R"({"__metadata__":{"w":"note"},"w":)" + entry + "}", kTwelveBytes));
  nn::load(m, path);
}

TEST_F(ProbeLoaders, NonRegularFilesAreRefusedAtOnce) {
  const std::string fifo = file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string folder = file("folder");
  fs::create_directories(folder);
  OneWeight m;
  optim::SGD sgd(m.parameters(), {.lr = 0.1f});
  struct Case {
    std::string path, kind;
  };
  for (const Case& c :
       {Case{"/dev/zero", "is a character device"}, Case{"/dev/null", "is a character device"},
        Case{fifo, "is a named pipe (FIFO)"}, Case{folder, "is a folder"}}) {
    SCOPED_TRACE(c.path);
    EXPECT_TRUE(ThrowsWith([&] { nn::load(m, c.path); },
                           {"load: " + c.path + ": " + c.kind + ", not a safetensors file"}));
    EXPECT_TRUE(
        ThrowsWith([&] { optim::load_checkpoint(c.path, m, sgd); }, {"load: " + c.path + ": " + c.kind}));
    EXPECT_TRUE(ThrowsWith([&] { optim::load_state(sgd, c.path); }, {"load: " + c.path + ": " + c.kind}));
    EXPECT_TRUE(ThrowsWith([&] { data::read_idx(c.path); },
                           {"idx: " + c.path + ": " + c.kind + ", not an IDX file"}));
    EXPECT_TRUE(ThrowsWith([&] { data::read_idx_images(c.path); }, {"idx: " + c.path + ": " + c.kind}));
    EXPECT_TRUE(ThrowsWith([&] { data::read_idx_labels(c.path); }, {"idx: " + c.path + ": " + c.kind}));
  }
  // A digits folder whose 0.json is a FIFO, then a folder.
  const fs::path digits = dir / "digits";
  fs::create_directories(digits);
  ASSERT_EQ(::mkfifo((digits / "0.json").c_str(), 0600), 0);
  EXPECT_TRUE(ThrowsWith([&] { data::load_mnist_digits(digits.string()); },
                         {"load_mnist_digits: ", "0.json: is a named pipe (FIFO), not a JSON digits file"}));
  fs::remove(digits / "0.json");
  fs::create_directories(digits / "0.json");
  EXPECT_TRUE(ThrowsWith([&] { data::load_mnist_digits(digits.string()); },
                         {"load_mnist_digits: ", "0.json: is a folder, not a JSON digits file"}));
}

TEST_F(ProbeLoaders, IdxFolderSaysItIsAFolderNotZlibsError) {
  std::string e = error_of([&] { data::read_idx(dir.string()); });
  EXPECT_NE(e.find("idx: " + dir.string() + ": is a folder, not an IDX file"), std::string::npos) << e;
  EXPECT_EQ(e.find("zlib"), std::string::npos) << e;
}

// The probe's case: Adam state without exp_avg_sq loaded, and the next step moved a weight from 0.99 to
// -12.4.
TEST_F(ProbeLoaders, CheckpointWithoutAnAdamBufferIsRefusedAndChangesNothing) {
  auto model = small_model();
  optim::Adam adam(model->parameters(), {.lr = 0.01f});
  one_step(*model, adam);
  const std::string path = file("ckpt.safetensors");
  optim::save_checkpoint(path, *model, adam, nullptr, 1);
  nn::SafetensorsFile f = nn::read_safetensors(path);
  std::erase_if(f.tensors, [](const auto& nt) { return nt.first == "state.0.exp_avg_sq"; });
  nn::write_safetensors(path, f.tensors, f.metadata);

  auto other = small_model();
  optim::Adam fresh(other->parameters(), {.lr = 0.01f});
  const std::vector<float> before = values_of(*other);
  EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(path, *other, fresh); },
                         {"load_checkpoint: " + path + ": state 'exp_avg_sq' of parameter 0 is missing",
                          "Adam keeps exp_avg, exp_avg_sq", "this one has taken 1"}));
  EXPECT_EQ(values_of(*other), before);
  EXPECT_EQ(fresh.state()[0].tensors.size(), 0u);
}

TEST_F(ProbeLoaders, CheckpointRatesMustBeFiniteAndNonNegative) {
  auto model = small_model();
  optim::Adam adam(model->parameters(), {.lr = 0.01f});
  optim::StepLR sched(adam, 2, 0.5);
  one_step(*model, adam);
  const std::string path = file("ckpt.safetensors");
  optim::save_checkpoint(path, *model, adam, &sched, 1);
  const nn::SafetensorsFile good = nn::read_safetensors(path);
  struct Case {
    std::string key, value, expected;
  };
  for (const Case& c :
       {Case{"lr", "inf", "metadata 'lr' = inf is not a learning rate"},
        Case{"lr", "nan", "metadata 'lr' = nan is not a learning rate"},
        Case{"lr", "-1", "metadata 'lr' = -1 is not a learning rate"},
        Case{"lr", "1e999", "metadata 'lr' = inf"},
        Case{"scheduler.base_lr", "inf", "metadata 'scheduler.base_lr' = inf"},
        Case{"scheduler.last_lr", "-inf", "metadata 'scheduler.last_lr' = -inf"},
        Case{"scheduler.last_epoch", "-3", "scheduler.last_epoch=-3"},
        Case{"epoch", "-1", "metadata 'epoch' = -1 is negative"},
        Case{"step.0", "-1", "parameter 0 has a negative step count -1"},
        // ++step would overflow (UB) at the next step; no run gets near 2^53.
        Case{"step.1", "9223372036854775807",
             "parameter 1 has a step count of 9223372036854775807, more than any run takes"},
        Case{"scheduler.step_count", "9223372036854775807", "scheduler.step_count=9223372036854775807"},
        Case{"scheduler.last_epoch", "9007199254740993", "must be in 0..2^53"}}) {
    SCOPED_TRACE(c.key + " = " + c.value);
    nn::Metadata meta = good.metadata;
    meta[c.key] = c.value;
    nn::write_safetensors(path, good.tensors, meta);
    const double lr_before = adam.lr();
    EXPECT_TRUE(ThrowsWith([&] { optim::load_checkpoint(path, *model, adam, &sched); },
                           {"load_checkpoint: " + path + ": ", c.expected}));
    EXPECT_EQ(adam.lr(), lr_before);
  }
  // Up to the limit a count loads, and the next step counts on.
  nn::Metadata meta = good.metadata;
  meta["step.0"] = "9007199254740992";
  nn::write_safetensors(path, good.tensors, meta);
  optim::load_checkpoint(path, *model, adam, &sched);
  one_step(*model, adam);
  EXPECT_EQ(adam.state()[0].step, 9007199254740993);
}

// For every optimizer and each option that adds a buffer: each buffer missing, a foreign
// one added, a sum of squares negative — refused by load_state and by set_state alike.
TEST_F(ProbeLoaders, EveryOptimizerStateIsCheckedBufferByBuffer) {
  struct Case {
    const char* label;
    std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> make;
    std::vector<std::string> buffers, non_negative;
  };
  std::vector<Case> cases = {
      {"SGD momentum",
       [](auto p) {
         return std::make_unique<optim::SGD>(p, optim::SGDOptions{.lr = 0.1f, .momentum = 0.9f});
       },
       {"momentum_buffer"},
       {}},
      {"Adam amsgrad",
       [](auto p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions{.amsgrad = true}); },
       {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
       {"exp_avg_sq", "max_exp_avg_sq"}},
      {"AdamW",
       [](auto p) { return std::make_unique<optim::AdamW>(p); },
       {"exp_avg", "exp_avg_sq"},
       {"exp_avg_sq"}},
      {"RMSprop centered momentum",
       [](auto p) {
         return std::make_unique<optim::RMSprop>(p,
                                                 optim::RMSpropOptions{.momentum = 0.5f, .centered = true});
       },
       {"square_avg", "grad_avg", "momentum_buffer"},
       {"square_avg"}},
      {"Adagrad", [](auto p) { return std::make_unique<optim::Adagrad>(p); }, {"sum"}, {"sum"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    auto model = small_model();
    auto opt = c.make(model->parameters());
    one_step(*model, *opt);
    const std::string path = file("state.safetensors");
    optim::save_state(*opt, path);
    const nn::SafetensorsFile good = nn::read_safetensors(path);
    auto fresh_model = small_model();
    auto fresh = c.make(fresh_model->parameters());
    EXPECT_EQ(optim::load_state(*fresh, path), 0);  // the good file loads

    auto refused = [&](const nn::NamedTensors& tensors, const std::string& expected) {
      nn::write_safetensors(path, tensors, good.metadata);
      EXPECT_TRUE(
          ThrowsWith([&] { optim::load_state(*fresh, path); }, {"load_state: " + path + ": ", expected}));
    };
    for (const std::string& name : c.buffers) {
      SCOPED_TRACE(name);
      nn::NamedTensors without = good.tensors;
      std::erase_if(without, [&](const auto& nt) { return nt.first == "state.1." + name; });
      ASSERT_EQ(without.size() + 1, good.tensors.size());
      refused(without, "state '" + name + "' of parameter 1 is missing");
      // The same through set_state.
      std::vector<optim::ParamState> state = opt->state();
      state[1].tensors.erase(name);
      EXPECT_TRUE(
          ThrowsWith([&] { fresh->set_state(state); }, {"state '" + name + "' of parameter 1 is missing"}));
    }
    nn::NamedTensors foreign = good.tensors;
    foreign.emplace_back("state.0.bogus", zeros({2, 3}));
    refused(foreign,
            "parameter 0 has state 'bogus', which " + fresh->name() + " with these options does not keep");
    for (const std::string& name : c.non_negative) {
      SCOPED_TRACE(name);
      nn::NamedTensors negative = good.tensors;
      for (auto& [n, t] : negative)
        if (n == "state.0." + name) t = full(t.shape(), -1.0f);
      refused(negative, "state '" + name + "' of parameter 0 has a negative value -1 at index 0");
    }
  }
}

TEST_F(ProbeLoaders, BuffersOfOtherOptionsAreRefused) {
  // A state saved with amsgrad (or momentum) does not fit an optimizer built without it.
  auto model = small_model();
  optim::Adam ams(model->parameters(), {.amsgrad = true});
  one_step(*model, ams);
  const std::string path = file("ams.safetensors");
  optim::save_state(ams, path);
  optim::Adam plain(small_model()->parameters());
  EXPECT_TRUE(
      ThrowsWith([&] { optim::load_state(plain, path); },
                 {"parameter 0 has state 'max_exp_avg_sq', which Adam with these options does not keep",
                  "(it keeps exp_avg, exp_avg_sq)"}));
  optim::SGD with_momentum(model->parameters(), {.lr = 0.1f, .momentum = 0.9f});
  one_step(*model, with_momentum);
  optim::save_state(with_momentum, path);
  optim::SGD without(small_model()->parameters(), {.lr = 0.1f});
  EXPECT_TRUE(ThrowsWith(
      [&] { optim::load_state(without, path); },
      {"state 'momentum_buffer', which SGD with these options does not keep (it keeps no state tensors)"}));
}
