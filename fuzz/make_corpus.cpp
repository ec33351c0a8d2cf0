// Writes the seed corpus of the fuzz targets: small valid files made with
// ember's own writers, and near-valid ones (cut short, one byte too many, a
// wrong type or size), a few hundred bytes to a few KB each.
//   build-fuzz/make_fuzz_corpus fuzz/corpus
// The layout of each target's input is described at the top of its fuzz_<target>.cpp.
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <random>

#include "ember.h"

namespace fs = std::filesystem;
using namespace ember;
using Bytes = std::string;

namespace {

fs::path root;

void put(const std::string& target, const std::string& name, const Bytes& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

Bytes slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Bytes gzip(const Bytes& plain) {
  const fs::path tmp = fs::temp_directory_path() / "ember-make-corpus.gz";
  gzFile f = gzopen(tmp.c_str(), "wb");
  gzwrite(f, plain.data(), static_cast<unsigned>(plain.size()));
  gzclose(f);
  Bytes out = slurp(tmp);
  fs::remove(tmp);
  return out;
}

Bytes idx_header(const std::vector<uint32_t>& dims, uint8_t type = 0x08) {
  Bytes b{0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>((d >> s) & 0xff);
  return b;
}

// The header, then the payload it announces with `extra` bytes more (or fewer).
Bytes idx(const std::vector<uint32_t>& dims, uint8_t type = 0x08, int64_t extra = 0) {
  Bytes b = idx_header(dims, type);
  int64_t n = 1;
  for (uint32_t d : dims) n *= d;
  for (int64_t i = 0; i < n + extra; ++i) b += static_cast<char>(i * 37);
  return b;
}

// fuzz_idx: byte 0 = entry (0 read_idx, 1 images flat, 2 images, 3 labels) | 4 to gzip the rest.
void idx_corpus() {
  const Bytes images = idx({2, 3, 3}), labels = idx({4});
  for (char entry : {0, 1, 2}) put("idx", "images_" + std::to_string(entry), Bytes(1, entry) + images);
  put("idx", "labels", Bytes(1, 3) + labels);
  put("idx", "images_gzip", Bytes(1, 4 | 1) + images);
  put("idx", "labels_gzip", Bytes(1, 4 | 3) + labels);
  put("idx", "gzip_bytes_given", Bytes(1, 0) + gzip(images));
  put("idx", "gzip_cut_short", Bytes(1, 0) + gzip(images).substr(0, 20));
  put("idx", "one_byte_too_many", Bytes(1, 0) + idx({2, 3, 3}, 0x08, 1));
  put("idx", "one_byte_short", Bytes(1, 0) + idx({2, 3, 3}, 0x08, -1));
  put("idx", "float32_type", Bytes(1, 0) + idx({2}, 0x0D));
  put("idx", "zero_dims", Bytes(1, 0) + idx({}));
  put("idx", "huge_header_gzip", Bytes(1, 4) + idx_header({0xffffff, 0x400}));
}

// fuzz_mnist_digits: byte 0 picks test_size; the rest is 0.json.
void mnist_corpus() {
  auto image = [](float v) {
    std::string s;
    for (int i = 0; i < 784; ++i) s += (i ? "," : "") + std::to_string(v).substr(0, 4);
    return s;
  };
  put("mnist_digits", "one_image", "\x03{\"data\":[" + image(0.5f) + "]}");
  put("mnist_digits", "two_images", "\x02{\"data\":[" + image(0) + "," + image(1) + "]}");
  put("mnist_digits", "split_too_big", "\x05{\"data\":[" + image(0.25f) + "]}");
  put("mnist_digits", "short_image", "\x00{\"data\":[0,0.5,1]}");
  put("mnist_digits", "value_above_one", "\x01{\"data\":[" + image(0).substr(2) + ",2]}");
  put("mnist_digits", "no_data", "\x00{\"labels\":[]}");
  put("mnist_digits", "not_json", "\x00{\"data\":[0,");
}

std::shared_ptr<nn::Sequential> model() {
  manual_seed(0);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(4, 2)});
}

// fuzz_safetensors: the whole input is the file.
void safetensors_corpus() {
  const fs::path tmp = fs::temp_directory_path() / "ember-make-corpus.safetensors";
  auto m = model();
  nn::save(*m, tmp.string());
  const Bytes plain = slurp(tmp);
  put("safetensors", "model", plain);
  put("safetensors", "model_cut_short", plain.substr(0, plain.size() - 3));

  optim::Adam adam(m->parameters(), {.lr = 0.01f});
  optim::StepLR scheduler(adam, 2, 0.5);
  (*m)(ones({2, 3})).sum().backward();
  adam.step();
  scheduler.step();
  optim::save_checkpoint(tmp.string(), *m, adam, &scheduler, 3, {{"note", "seed"}});
  put("safetensors", "checkpoint_with_scheduler", slurp(tmp));
  optim::save_checkpoint(tmp.string(), *m, adam, nullptr, 1);
  put("safetensors", "checkpoint", slurp(tmp));
  optim::save_state(adam, tmp.string(), &scheduler, 3);
  put("safetensors", "optimizer_state", slurp(tmp));
  fs::remove(tmp);
  put("safetensors", "empty_header", Bytes("\x02\0\0\0\0\0\0\0{}", 10));
}

// fuzz_ops: byte 0 picks the op family (0..9); the rest is tensors and arguments.
void ops_corpus() {
  std::mt19937 random(1);
  for (int family = 0; family < 10; ++family)
    for (int i = 0; i < 4; ++i) {
      Bytes b(1, static_cast<char>(family));
      const int n = 16 + static_cast<int>(random() % 48);
      for (int k = 0; k < n; ++k) b += static_cast<char>(k % 3 == 0 ? random() % 16 : random() % 256);
      put("ops", "family" + std::to_string(family) + "_" + std::to_string(i), b);
    }
}

// fuzz_checkpoint_struct: bytes a FuzzedDataProvider reads; its whole-number choices come
// from the end (the last byte picks the mode, the one before the optimizer), so each seed
// ends with a different mode and set-up and its middle drives the mutations.
void checkpoint_struct_corpus() {
  std::mt19937 random(2);
  for (int mode = 0; mode < 16; ++mode) {
    Bytes b;
    const int n = 48 + static_cast<int>(random() % 80);
    for (int k = 0; k < n; ++k) b += static_cast<char>(random() % 256);
    b += static_cast<char>(mode % 7);  // the optimizer set-up
    b += static_cast<char>(mode);
    put("checkpoint_struct", "mode" + std::to_string(mode), b);
  }
}

// fuzz_api: pool tensors first, then one byte per call choosing the family (0..6) and
// its arguments; random bytes reach every family, one seed per family leads with it.
void api_corpus() {
  std::mt19937 random(2);
  for (int family = 0; family < 7; ++family)
    for (int i = 0; i < 4; ++i) {
      Bytes b;
      for (int k = 0; k < 12; ++k) b += static_cast<char>(random() % 4);  // three small tensors
      b += static_cast<char>(family);
      const int n = 48 + static_cast<int>(random() % 160);
      for (int k = 0; k < n; ++k) b += static_cast<char>(k % 4 == 0 ? random() % 8 : random() % 256);
      put("api", "family" + std::to_string(family) + "_" + std::to_string(i), b);
    }
}

// fuzz_csv: byte 0 = delimiter (bits 0-2: , ; tab | space) | 8 no header | 16·task | 64 skip_missing;
// byte 1 = 1 load_csv_features | 2 name the columns (y; a, b). The rest: the file.
void csv_corpus() {
  auto seed = [](const std::string& name, uint8_t options, uint8_t entry, const Bytes& file) {
    put("csv", name, Bytes(1, static_cast<char>(options)) + Bytes(1, static_cast<char>(entry)) + file);
  };
  const Bytes iris = "a,b,y\n5.1,3.5,setosa\n7.0,3.2,versicolor\n6.3,3.3,virginica\n4.9,3.0,setosa\n";
  seed("classes", 0, 0, iris);
  seed("classes_named", 0, 2, iris);
  seed("features_only", 0, 3, iris);
  seed("numeric_classes", 0, 0, "a,b,y\n1,2,10\n3,4,2\n5,6,-1\n7,8,2\n");
  seed("regression", 0x20, 0, "a,b,y\n1,2,0.5\n3,4,1.25\n5,6,-3e2\n");
  seed("classification_of_values", 0x10, 0, "a,b,y\n1,2,0.5\n3,4,1.5\n");
  seed("quotes", 0, 2, "\"a\",b,\"y\"\n\"1\",2,\"x, \"\"q\"\"\nz\"\n3,4,\"\"\n");
  seed("crlf_bom_blank", 0, 0,
       "\xEF\xBB\xBF"
       "a,b,y\r\n\r\n1,2,x\r\n  \r\n3,4,y\r");
  seed("semicolon", 1, 0, "a;b;y\n1;2;x\n3;4;y\n");
  seed("tab", 2, 2, "a\tb\ty\n 1\t2 \tx\n3\t4\ty\n");
  seed("space", 4, 0, "a b y\n1 2 x\n3 4 y\n");
  seed("no_header", 8, 0, "1,2,x\n3,4,y\n");
  seed("no_header_named", 8, 2, "x,1,2\ny,3,4\n");
  seed("missing_skipped", 64, 0, "a,b,y\n1,NA,x\n,4,y\n5,6,?\n7,8,\"NA\"\n9,10,z\n");
  seed("missing_error", 0, 0, "a,b,y\n1,NA,x\n");
  seed("ragged", 0, 0, "a,b,y\n1,2,x\n3,4\n");
  seed("header_only", 0, 0, "a,b,y\n\n");
  seed("unclosed_quote", 0, 0, "a,b,y\n1,2,\"x\n");
  seed("after_quote", 0, 0, "a,b,y\n1,2,\"x\"y\n");
  seed("bad_numbers", 0, 0, "a,b,y\ninf,0x10,x\n1e39,-.5,y\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_fuzz_corpus <corpus folder, e.g. fuzz/corpus>\n";
    return 2;
  }
  root = argv[1];
  idx_corpus();
  mnist_corpus();
  safetensors_corpus();
  ops_corpus();
  checkpoint_struct_corpus();
  api_corpus();
  csv_corpus();
  std::cout << "make_fuzz_corpus: wrote the seeds under " << root << "\n";
}
