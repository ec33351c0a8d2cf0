// The dlib peer of ember's MLP benchmark: the same network (784-256-256-10,
// ReLU, fc layers, softmax cross entropy = loss_multiclass_log), the same data
// (Fashion-MNIST from Debian's dataset-fashion-mnist, normalised with mean
// 0.2860 and std 0.3530), the same batches of 128 in a fresh shuffle each
// epoch, and the same optimizers without weight decay — SGD (lr 0.01,
// momentum 0.9) or Adam (lr 1e-3). bench/peer_mlp_ember.cpp is its ember twin;
// bench/compare_dlib.sh builds and runs both.
//
//   mlp_dlib --optimizer adam|sgd [--epochs 2] [--data-dir DIR]
//
// Threads: dlib's CPU layers run on the calling thread, and its fc layer's
// matrix products go to the BLAS it was built with (Debian: OpenBLAS, OpenMP
// build), so OMP_NUM_THREADS sets the thread count; compare_dlib.sh also pins
// one-thread runs to one core with taskset.
//
// The training loop is what dnn_trainer does for each batch, written out
// (to_tensor, compute_parameter_gradients, update_parameters) so that the
// timed part holds no trainer thread, learning-rate schedule or
// synchronisation. Only training is timed; the test accuracy is measured after.
#include <dlib/dnn.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

using namespace dlib;

using Net = loss_multiclass_log<fc<10, relu<fc<256, relu<fc<256, input<matrix<float>>>>>>>>;

namespace {

// The bytes of a gzip file.
std::vector<unsigned char> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<unsigned char> bytes;
  unsigned char chunk[1 << 16];
  for (int got; (got = gzread(f, chunk, sizeof chunk)) > 0;) bytes.insert(bytes.end(), chunk, chunk + got);
  gzclose(f);
  return bytes;
}

uint32_t big_endian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

// IDX images (magic 2051) as 28x28 matrices of normalised pixels.
std::vector<matrix<float>> read_images(const std::string& path) {
  auto b = read_gz(path);
  if (b.size() < 16 || big_endian(&b[0]) != 2051) throw std::runtime_error(path + ": not IDX images");
  const uint32_t n = big_endian(&b[4]), rows = big_endian(&b[8]), cols = big_endian(&b[12]);
  if (b.size() < 16 + size_t{n} * rows * cols) throw std::runtime_error(path + ": truncated");
  std::vector<matrix<float>> images(n, matrix<float>(rows, cols));
  const unsigned char* pixel = &b[16];
  for (auto& image : images)
    for (long r = 0; r < image.nr(); ++r)
      for (long c = 0; c < image.nc(); ++c) image(r, c) = (*pixel++ / 255.0f - 0.2860f) / 0.3530f;
  return images;
}

// IDX labels (magic 2049).
std::vector<unsigned long> read_labels(const std::string& path) {
  auto b = read_gz(path);
  if (b.size() < 8 || big_endian(&b[0]) != 2049) throw std::runtime_error(path + ": not IDX labels");
  return std::vector<unsigned long>(b.begin() + 8, b.begin() + 8 + big_endian(&b[4]));
}

template <class Solver>
void train(Net& net, Solver solver, double lr, const std::vector<matrix<float>>& images,
           const std::vector<unsigned long>& labels, int epochs, size_t batch_size) {
  std::vector<Solver> solvers(Net::num_computational_layers, solver);
  std::vector<size_t> order(images.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 shuffle_rng(0);
  std::vector<matrix<float>> x;
  std::vector<unsigned long> y;
  resizable_tensor batch;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    for (size_t start = 0; start < order.size(); start += batch_size) {
      const size_t end = std::min(order.size(), start + batch_size);
      x.clear(), y.clear();
      for (size_t i = start; i < end; ++i) x.push_back(images[order[i]]), y.push_back(labels[order[i]]);
      net.to_tensor(x.begin(), x.end(), batch);
      net.compute_parameter_gradients(batch, y.begin());
      net.update_parameters(solvers, lr);
    }
  }
}

}  // namespace

int main(int argc, char** argv) try {
  std::string optimizer = "adam", dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--optimizer"))
      optimizer = argv[i + 1];
    else if (!std::strcmp(argv[i], "--epochs"))
      epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--data-dir"))
      dir = argv[i + 1];
    else
      throw std::runtime_error(std::string("unknown option ") + argv[i]);
  }
  if (optimizer != "adam" && optimizer != "sgd") throw std::runtime_error("--optimizer: adam or sgd");
  const auto train_x = read_images(dir + "/train-images-idx3-ubyte.gz");
  const auto train_y = read_labels(dir + "/train-labels-idx1-ubyte.gz");
  const auto test_x = read_images(dir + "/t10k-images-idx3-ubyte.gz");
  const auto test_y = read_labels(dir + "/t10k-labels-idx1-ubyte.gz");

  Net net;
  const auto start = std::chrono::steady_clock::now();
  if (optimizer == "adam")
    train(net, adam(/*weight_decay=*/0, 0.9, 0.999), 1e-3, train_x, train_y, epochs, 128);
  else
    train(net, sgd(/*weight_decay=*/0, /*momentum=*/0.9), 0.01, train_x, train_y, epochs, 128);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  size_t correct = 0;
  for (size_t first = 0; first < test_x.size(); first += 1000) {
    const size_t last = std::min(test_x.size(), first + 1000);
    std::vector<matrix<float>> chunk(test_x.begin() + first, test_x.begin() + last);
    const std::vector<unsigned long> predicted = net(chunk);
    for (size_t i = 0; i < predicted.size(); ++i) correct += predicted[i] == test_y[first + i];
  }
  const char* threads = std::getenv("OMP_NUM_THREADS");
  const double samples = static_cast<double>(train_x.size()) * epochs;
  std::printf("dlib %s threads %s: %d epochs in %.2f s = %.0f samples/s, test accuracy %.2f%%\n",
              optimizer.c_str(), threads ? threads : "(all)", epochs, seconds, samples / seconds,
              100.0 * static_cast<double>(correct) / static_cast<double>(test_x.size()));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "mlp_dlib: %s\n", e.what());
  return 1;
}
