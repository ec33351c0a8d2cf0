// Checkpoints: safetensors round trips, the bytes on disk, atomic writes,
// every malformed-file case (each an error naming the file, the tensor and
// the problem, with the model unchanged), and interop with PyTorch both ways.
#include <ember.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::error_of;
namespace fs = std::filesystem;

namespace {

class Net : public nn::Module {
 public:
  Net() {
    fc1 = register_module("fc1", std::make_shared<nn::Linear>(5, 8));
    bil = register_module("bil", std::make_shared<nn::Bilinear>(8, 8, 4));
    fc2 = register_module("fc2", std::make_shared<nn::Linear>(4, 3, false));
    scale = register_buffer("scale", ones({3}));
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = (*fc1)(x);
    return (*fc2)((*bil)(h, h)) * scale;
  }
  std::string name() const override { return "Net"; }
  std::shared_ptr<nn::Linear> fc1, fc2;
  std::shared_ptr<nn::Bilinear> bil;
  Tensor scale;
};

// The twin of NormNet in tests/interop_torch.py: buffers of PyTorch's names and dtypes.
class NormNet : public nn::Module {
 public:
  NormNet() {
    fc = register_module("fc", std::make_shared<nn::Linear>(5, 6));
    bn = register_module("bn", std::make_shared<nn::BatchNorm1d>(6));
    ln = register_module("ln", std::make_shared<nn::LayerNorm>(6));
    out = register_module("out", std::make_shared<nn::Linear>(6, 3));
  }
  Tensor forward(const Tensor& x) override { return (*out)((*ln)((*bn)((*fc)(x)))); }
  std::string name() const override { return "NormNet"; }
  std::shared_ptr<nn::Linear> fc, out;
  std::shared_ptr<nn::BatchNorm1d> bn;
  std::shared_ptr<nn::LayerNorm> ln;
};

// A fresh folder per test, removed at the end.
class Serialize : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("ember_test_serialize_" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file from a header text and a data region, exactly as given.
std::string raw_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

std::vector<std::vector<float>> values_of(const nn::Module& m) {
  std::vector<std::vector<float>> out;
  for (auto& [n, t] : m.named_parameters()) out.push_back(t.to_vector());
  for (auto& [n, t] : m.named_buffers()) out.push_back(t.to_vector());
  return out;
}

}  // namespace

TEST_F(Serialize, RoundTripRestoresEveryParameterAndBuffer) {
  manual_seed(1);
  Net a;
  a.scale.copy_(tensor({1, 2, 3}, {3}));
  nn::save(a, file("m.safetensors"));
  manual_seed(2);
  Net b;
  EXPECT_NE(values_of(a), values_of(b));
  nn::load(b, file("m.safetensors"));
  EXPECT_EQ(values_of(a), values_of(b));
  Tensor x = randn({2, 5});
  EXPECT_EQ(a(x).to_vector(), b(x).to_vector());
  // Loading keeps the parameters' handles (an optimizer built before load still sees them).
  EXPECT_TRUE(b.fc1->weight.requires_grad());
}

TEST_F(Serialize, FileLayoutIsSafetensors) {
  nn::Linear lin(3, 2);
  nn::save(lin, file("l.safetensors"), {{"epoch", "7"}});
  std::string bytes = read_bytes(file("l.safetensors"));
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[i]);
  EXPECT_EQ(n % 8, 0u);  // data aligned to 8 bytes
  ASSERT_EQ(bytes.size(), 8 + n + (6 + 2) * 4);
  std::string header = bytes.substr(8, n);
  EXPECT_NE(header.find(R"("weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})"), std::string::npos)
      << header;
  EXPECT_NE(header.find(R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]})"), std::string::npos);
  EXPECT_NE(header.find(R"("__metadata__":{"epoch":"7"})"), std::string::npos);
  float w0;
  std::memcpy(&w0, bytes.data() + 8 + n, 4);
  EXPECT_EQ(w0, lin.weight.to_vector()[0]);
  EXPECT_EQ(nn::read_safetensors(file("l.safetensors")).metadata.at("epoch"), "7");
}

TEST_F(Serialize, WritesAtomicallyAndLeavesNoTemporaryFiles) {
  nn::Linear a(3, 2), b(3, 2);
  nn::save(a, file("m.safetensors"));
  nn::save(b, file("m.safetensors"));  // overwrite in place
  int files = 0;
  for (auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "m.safetensors");
  }
  EXPECT_EQ(files, 1);
  nn::Linear c(3, 2);
  nn::load(c, file("m.safetensors"));
  EXPECT_EQ(values_of(c), values_of(b));
  // A save that fails leaves the previous checkpoint whole.
  EXPECT_NE(error_of([&] {
              nn::write_safetensors(file("m.safetensors"), {{"w", Tensor()}});
            }).find("undefined"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              nn::write_safetensors(file("m.safetensors"), {{"w", ones({1})}, {"w", ones({1})}});
            }).find("appears twice"),
            std::string::npos);
  nn::load(c, file("m.safetensors"));
  EXPECT_EQ(values_of(c), values_of(b));
  std::string e = error_of([&] { nn::save(a, file("no/such/folder/m.safetensors")); });
  EXPECT_NE(e.find("cannot create a temporary file"), std::string::npos) << e;
}

// Every malformed file: the error names the file and the problem, and the model is unchanged.
TEST_F(Serialize, EveryCorruptFileIsAClearErrorAndLeavesTheModelUnchanged) {
  nn::Linear model(3, 2);
  auto before = values_of(model);
  nn::save(model, file("good.safetensors"));
  std::string good = read_bytes(file("good.safetensors"));
  std::string data24(24, '\0'), data8(8, '\0');
  const std::string w = R"("weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})";
  const std::string b = R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]})";
  struct Case {
    const char* name;
    std::string bytes;
    std::string expected;  // a piece of the message
  };
  std::vector<Case> cases = {
      {"empty", "", "file is truncated (0 bytes"},
      {"short", good.substr(0, 5), "file is truncated (5 bytes"},
      {"header cut", good.substr(0, 40), "is larger than the rest of the file"},
      {"data cut", good.substr(0, good.size() - 4), "go past the end of the data"},
      {"huge header length", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}",
       "is larger than the rest"},
      {"not json", raw_file("{this is not json}", data24 + data8), "the header is not valid JSON ("},
      {"not an object", raw_file("[1, 2, 3]", ""), "does not start with '{'"},
      {"missing tensor", raw_file("{" + w + "}", data24), "tensor bias is missing from the file"},
      {"extra tensor",
       raw_file("{" + w + "," + b + R"(,"extra":{"dtype":"F32","shape":[1],"data_offsets":[32,36]}})",
                data24 + data8 + std::string(4, '\0')),
       "the file has tensor extra that the model does not have"},
      {"wrong shape",
       raw_file(R"({"weight":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)" + b + "}",
                data24 + data8),
       "tensor 'weight' has shape [3, 2] in the file but [2, 3] in the model"},
      {"wrong dtype",
       raw_file(R"({"weight":{"dtype":"F16","shape":[2,3],"data_offsets":[0,12]},)"
                R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                std::string(20, '\0')),
       "tensor 'weight': dtype F16 is not supported"},
      {"unknown dtype",
       raw_file(R"({"weight":{"dtype":"F33","shape":[2,3],"data_offsets":[0,24]},)" + b + "}",
                data24 + data8),
       "unknown dtype 'F33'"},
      {"size lie",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]},)"
                R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[20,28]}})",
                std::string(28, '\0')),
       "span 20 bytes but shape [2, 3] of F32 needs 24"},
      {"offsets past end",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})",
                data24),
       "tensor 'bias': data_offsets [24, 32] go past the end of the data (24 bytes)"},
      {"overlap",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
                data24),
       "tensors 'weight' and 'bias' overlap"},
      {"hole",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                R"("bias":{"dtype":"F32","shape":[2],"data_offsets":[28,36]}})",
                std::string(36, '\0')),
       "bytes [24, 28) of the data belong to no tensor"},
      {"trailing bytes", raw_file("{" + w + "," + b + "}", data24 + data8 + "xx"),
       "2 bytes after the last tensor"},
      {"negative size",
       raw_file(R"({"weight":{"dtype":"F32","shape":[-2,3],"data_offsets":[0,24]},)" + b + "}",
                data24 + data8),
       "not a non-negative integer"},
      {"reversed offsets",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]},)" + b + "}",
                data24 + data8),
       "end before they begin"},
      {"bad offsets",
       raw_file(R"({"weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0]},)" + b + "}", data24 + data8),
       "data_offsets must be [begin, end]"},
      {"no shape", raw_file(R"({"weight":{"dtype":"F32","data_offsets":[0,24]},)" + b + "}", data24 + data8),
       "missing or invalid shape"},
      {"bad metadata", raw_file(R"({"__metadata__":{"epoch":3},)" + w + "," + b + "}", data24 + data8),
       "__metadata__ value of 'epoch' is not a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = file(std::string("bad_") + std::to_string(&c - cases.data()) + ".safetensors");
    write_bytes(path, c.bytes);
    std::string e = error_of([&] { nn::load(model, path); });
    EXPECT_NE(e.find("load: " + path + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(c.expected), std::string::npos) << e;
    EXPECT_EQ(values_of(model), before);
  }
  std::string e = error_of([&] { nn::load(model, file("does_not_exist.safetensors")); });
  EXPECT_NE(e.find("cannot open the file"), std::string::npos) << e;
  // The good file still loads after all that.
  nn::load(model, file("good.safetensors"));
  EXPECT_EQ(values_of(model), before);
}

// Every prefix of a good file is an error, and random byte damage is either an
// error or a file that still parses — never a crash or a half-loaded model.
TEST_F(Serialize, TruncationAtEveryLengthAndRandomDamage) {
  nn::Linear model(3, 2);
  nn::save(model, file("good.safetensors"));
  std::string good = read_bytes(file("good.safetensors"));
  auto before = values_of(model);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    write_bytes(file("cut.safetensors"), good.substr(0, cut));
    EXPECT_THROW(nn::load(model, file("cut.safetensors")), Error) << "cut at " << cut;
    EXPECT_EQ(values_of(model), before);
  }
  manual_seed(3);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bad = good;
    for (int k = 0; k < 3; ++k) {
      size_t at = default_generator().below(bad.size());
      bad[at] = static_cast<char>(default_generator().below(256));
    }
    write_bytes(file("bad.safetensors"), bad);
    nn::Linear target(3, 2);
    auto target_before = values_of(target);
    try {
      nn::load(target, file("bad.safetensors"));
    } catch (const Error&) {
      EXPECT_EQ(values_of(target), target_before) << "trial " << trial;
    }
  }
}

TEST_F(Serialize, ShapeErrorLateInTheFileTouchesNothing) {
  nn::Sequential a{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Linear>(4, 2)};
  nn::Sequential b{std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::Linear>(4, 5)};
  nn::save(a, file("a.safetensors"));
  auto before = values_of(b);
  std::string e = error_of([&] { nn::load(b, file("a.safetensors")); });
  EXPECT_NE(e.find("tensor '1.weight' has shape [2, 4] in the file but [5, 4] in the model"),
            std::string::npos)
      << e;
  EXPECT_EQ(values_of(b), before);  // 0.weight and 0.bias matched but were not written either
}

// PyTorch loads ember's checkpoint and gets ember's outputs; ember loads PyTorch's and gets PyTorch's.
TEST_F(Serialize, InteropWithPyTorchBothWays) {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "PyTorch for /usr/bin/python3 is not installed";
  manual_seed(7);
  Net net;
  net.scale.copy_(tensor({0.5f, 2.0f, -1.0f}, {3}));
  Tensor x = randn({4, 5});
  nn::save(net, file("ember_model.safetensors"));
  nn::write_safetensors(file("ember_io.safetensors"), {{"x", x}, {"y", net(x).detach()}});
  std::string cmd = "/usr/bin/python3 " EMBER_SOURCE_DIR "/tests/interop_torch.py " + dir.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  Net from_torch;
  nn::load(from_torch, file("torch_model.safetensors"));
  auto io = nn::read_safetensors(file("torch_io.safetensors"));
  Tensor tx, ty;
  for (auto& [n, t] : io.tensors) (n == "x" ? tx : ty) = t;
  EXPECT_TRUE(nn_fixture::close(from_torch(tx), ty, 1e-5, 1e-5));
  EXPECT_EQ(from_torch.scale.to_vector(), std::vector<float>({1.0f, -2.0f, 0.5f}));
}

// The same with BatchNorm1d and LayerNorm: running statistics and num_batches_tracked (I64) both ways.
TEST_F(Serialize, InteropWithPyTorchBatchNormBuffersBothWays) {
  if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "PyTorch for /usr/bin/python3 is not installed";
  manual_seed(8);
  NormNet net;
  for (int i = 0; i < 3; ++i) net(randn({8, 5}) * 2.0f + 1.0f);
  net.eval();
  Tensor x = randn({4, 5});
  nn::save(net, file("ember_model.safetensors"));
  nn::write_safetensors(file("ember_io.safetensors"), {{"x", x}, {"y", net(x).detach()}});
  std::string cmd = "/usr/bin/python3 " EMBER_SOURCE_DIR "/tests/interop_torch.py " + dir.string() + " norms";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  NormNet from_torch;
  nn::load(from_torch, file("torch_model.safetensors"));
  from_torch.eval();
  auto io = nn::read_safetensors(file("torch_io.safetensors"));
  Tensor tx, ty;
  for (auto& [n, t] : io.tensors) (n == "x" ? tx : ty) = t;
  EXPECT_TRUE(nn_fixture::close(from_torch(tx), ty, 1e-5, 1e-5));
  EXPECT_EQ(from_torch.bn->num_batches_tracked.item(), 4.0f);
  EXPECT_NE(from_torch.bn->running_var.to_vector(), std::vector<float>(6, 1.0f));
}

// nn::load's check on its own: names looked up with a prefix, nothing written
// until copy_tensors, errors naming the source and the tensors as listed.
TEST_F(Serialize, MatchTensorsChecksWithoutWriting) {
  nn::Linear lin(3, 2);
  auto before = values_of(lin);
  nn::NamedTensors list{{"m.weight", ones({2, 3})}, {"m.bias", ones({2})}};
  nn::TensorCopies copies = nn::match_tensors(lin, list, "ckpt.safetensors", "m.");
  EXPECT_EQ(values_of(lin), before);
  nn::copy_tensors(copies);
  EXPECT_EQ(values_of(lin), (std::vector<std::vector<float>>{std::vector<float>(6, 1.f), {1.f, 1.f}}));
  EXPECT_TRUE(lin.weight.requires_grad());
  std::string e = error_of([&] { nn::match_tensors(lin, {list[0]}, "ckpt.safetensors", "m."); });
  EXPECT_NE(e.find("load: ckpt.safetensors: the model's tensor m.bias is missing from the file"),
            std::string::npos)
      << e;
  list.emplace_back("weight", ones({2, 3}));
  e = error_of([&] { nn::match_tensors(lin, list, "ckpt.safetensors", "m."); });
  EXPECT_NE(e.find("the file has tensor weight that the model does not have"), std::string::npos) << e;
}

TEST_F(Serialize, MetadataReaderNamesTheFileAndTheKey) {
  const nn::Metadata m{{"n", "-12"}, {"x", "12x"}, {"e", ""}, {"hex", "0x1.8p+1"}, {"big", "1e999x"}};
  const nn::MetadataReader r{m, "resume: run/ckpt.safetensors", " (not a run checkpoint?)"};
  EXPECT_EQ(r.integer("n"), -12);
  EXPECT_EQ(r.real("hex"), 3.0);
  EXPECT_EQ(r.text("e"), "");
  struct Case {
    std::function<void()> read;
    std::string expected;
  };
  for (const auto& c : std::vector<Case>{
           {[&] { r.integer("x"); }, "metadata 'x' = '12x' is not an integer"},
           {[&] { r.integer("e"); }, "metadata 'e' = '' is not an integer"},
           {[&] { r.real("e"); }, "metadata 'e' = '' is not a number"},
           {[&] { r.real("big"); }, "metadata 'big' = '1e999x' is not a number"},
           {[&] { r.text("gone"); }, "metadata 'gone' is missing (not a run checkpoint?)"},
       }) {
    std::string e = error_of(c.read);
    EXPECT_NE(e.find("resume: run/ckpt.safetensors: " + c.expected), std::string::npos) << e;
  }
  // exact_text reads back bit for bit, awkward values included.
  for (double v : {0.1, 1.0 / 3, -2.5e17, 1e-300, 5e-324, 1.7976931348623157e308, -0.0}) {
    const nn::Metadata one{{"v", nn::exact_text(v)}};
    double back = nn::MetadataReader{one, "test", ""}.real("v");
    EXPECT_EQ(std::memcmp(&back, &v, sizeof v), 0) << nn::exact_text(v);
  }
}
