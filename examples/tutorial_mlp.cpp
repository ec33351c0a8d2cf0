// tutorial_mlp: the complete program that docs/tutorial.md walks through —
// a two-layer MLP trained on Fashion-MNIST, from #include <ember.h> to a saved
// checkpoint and back. Kept here so that the tutorial's code always compiles
// (examples.TutorialMlpQuotedInDocs checks that docs/tutorial.md quotes it
// unchanged); it has no options beyond the number of epochs and the data folder
// (train_mlp is the full-featured trainer).
//
//   tutorial_mlp [EPOCHS=5] [DATA_DIR=/usr/share/datasets/fashion-mnist]
#include <ember.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

using namespace ember;

// 784 pixels → 256 hidden units → 10 logits, one per class. cross_entropy
// applies the softmax itself, as in PyTorch, so the model ends with Linear.
nn::Sequential make_model() {
  return nn::Sequential{
      std::make_shared<nn::Linear>(784, 256),
      std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 10),
  };
}

// The fraction of `d` the model classifies right. Evaluation needs no graph,
// so NoGradGuard turns recording off; eval() would switch off dropout if the
// model had any.
double accuracy(nn::Module& model, const data::Dataset& d) {
  NoGradGuard no_grad;
  model.eval();
  Tensor predicted = model(d.inputs).argmax(1);
  return (predicted == d.targets).sum().item() / static_cast<double>(d.size());
}

// The command line is two optional words, read by hand: EPOCHS must be a
// whole number from 1 to 1000 ("3x", "0" and "-1" are refused, not half-read).
const char* const usage = "usage: tutorial_mlp [EPOCHS=5] [DATA_DIR=/usr/share/datasets/fashion-mnist]\n";

std::optional<int> parse_epochs(std::string_view text) {
  int epochs = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), epochs);
  if (error != std::errc() || end != text.data() + text.size() || epochs < 1 || epochs > 1000)
    return std::nullopt;
  return epochs;
}

int main(int argc, char** argv) {
  if (argc > 1 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::printf("%s", usage);
    return 0;
  }
  if (argc > 3) {
    std::fprintf(stderr, "tutorial_mlp: too many arguments\n%s", usage);
    return 2;
  }
  const std::optional<int> epochs = argc > 1 ? parse_epochs(argv[1]) : 5;
  if (!epochs) {
    std::fprintf(stderr, "tutorial_mlp: EPOCHS must be a whole number from 1 to 1000, not '%s'\n%s", argv[1],
                 usage);
    return 2;
  }
  const std::string dir = argc > 2 ? argv[2] : data::fashion_mnist_default_dir;
  manual_seed(0);  // the same initial weights on every run

  // Data: 60,000 training and 10,000 test images of 784 pixels in [0, 1],
  // shifted and scaled with the usual Fashion-MNIST mean and std. A missing or
  // damaged file is an ember::Error whose message names it.
  data::Dataset train, test;
  try {
    train = data::load_fashion_mnist(dir, /*train=*/true);
    test = data::load_fashion_mnist(dir, /*train=*/false);
  } catch (const Error& e) {
    std::fprintf(stderr, "tutorial_mlp: %s\n", e.what());
    return 1;
  }
  data::normalize_(train, data::fashion_mnist_normalization);
  data::normalize_(test, data::fashion_mnist_normalization);
  data::DataLoader loader(train, /*batch_size=*/128, /*shuffle=*/true, /*seed=*/0);

  nn::Sequential model = make_model();
  optim::Adam optimizer(model.parameters(), {.lr = 1e-3f});

  // The training loop: forward, loss, backward, step — once per batch.
  for (int epoch = 1; epoch <= *epochs; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    model.train();
    loader.set_epoch(epoch);  // a new shuffle each epoch, fixed by (seed, epoch)
    double loss_sum = 0;
    for (auto [x, y] : loader) {
      Tensor loss = F::cross_entropy(model(x), y);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      loss_sum += loss.item();
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("epoch %d  train loss %.4f  test accuracy %.2f%%  (%.1f s)\n", epoch,
                loss_sum / static_cast<double>(loader.size()), 100 * accuracy(model, test), seconds);
  }

  // The checkpoint: a safetensors file (PyTorch's safetensors reads it too).
  nn::save(model, "fashion_mlp.safetensors");

  // Loading it back: a model of the same shape, its parameters read from the file.
  nn::Sequential restored = make_model();
  nn::load(restored, "fashion_mlp.safetensors");
  std::printf("saved fashion_mlp.safetensors; reloaded, it scores %.2f%%\n", 100 * accuracy(restored, test));
}
