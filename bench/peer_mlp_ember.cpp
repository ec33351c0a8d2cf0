// The ember twin of bench/peer_dlib/mlp_dlib.cpp: 784-256-256-10 with ReLU on
// Fashion-MNIST (mean 0.2860, std 0.3530), batches of 128 in a fresh shuffle
// each epoch, SGD (lr 0.01, momentum 0.9) or Adam (lr 1e-3), no weight decay,
// no dropout, no schedule. Only the training loop is timed — batch gather,
// forward, cross entropy, backward, step — and the test accuracy is measured
// after. The printed line matches mlp_dlib's, for bench/compare_dlib.sh.
//
//   peer_mlp_ember --optimizer adam|sgd [--threads 2] [--epochs 2] [--data-dir DIR]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include <ember.h>

using namespace ember;

int main(int argc, char** argv) try {
  std::string optimizer = "adam", dir = data::fashion_mnist_default_dir;
  int epochs = 2, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--optimizer"))
      optimizer = argv[i + 1];
    else if (!std::strcmp(argv[i], "--epochs"))
      epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--threads"))
      threads = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--data-dir"))
      dir = argv[i + 1];
    else
      fail("peer_mlp_ember: unknown option ", argv[i]);
  }
  if (optimizer != "adam" && optimizer != "sgd") fail("--optimizer: expected adam or sgd, got ", optimizer);
  set_num_threads(threads);

  data::Dataset train = data::load_fashion_mnist(dir, true), test = data::load_fashion_mnist(dir, false);
  data::normalize_(train, data::fashion_mnist_normalization);
  data::normalize_(test, data::fashion_mnist_normalization);
  data::DataLoader train_loader(train, 128, /*shuffle=*/true, /*seed=*/0);

  manual_seed(0);
  nn::Sequential model;
  model.push_back(std::make_shared<nn::Linear>(784, 256));
  model.push_back(std::make_shared<nn::ReLU>());
  model.push_back(std::make_shared<nn::Linear>(256, 256));
  model.push_back(std::make_shared<nn::ReLU>());
  model.push_back(std::make_shared<nn::Linear>(256, 10));
  std::unique_ptr<optim::Optimizer> opt;
  if (optimizer == "adam")
    opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = 1e-3f});
  else
    opt = std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions{.lr = 0.01f, .momentum = 0.9f});

  const auto start = std::chrono::steady_clock::now();
  for (int epoch = 0; epoch < epochs; ++epoch) {
    train_loader.set_epoch(epoch);
    for (auto [x, y] : train_loader) {
      Tensor loss = F::cross_entropy(model(x), y);
      opt->zero_grad();
      loss.backward();
      opt->step();
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  NoGradGuard no_grad;
  model.eval();
  const float correct = (model(test.inputs).argmax(1) == test.targets).sum().item();
  const double samples = static_cast<double>(train.size()) * epochs;
  std::printf("ember %s threads %d: %d epochs in %.2f s = %.0f samples/s, test accuracy %.2f%%\n",
              optimizer.c_str(), threads, epochs, seconds, samples / seconds,
              100.0 * correct / static_cast<double>(test.size()));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "peer_mlp_ember: %s\n", e.what());
  return 1;
}
