// The README's first model, kept here so that it always compiles and runs.
#include <ember.h>

#include <cstdio>
using namespace ember;

int main() {
  manual_seed(0);
  Tensor x = randn({256, 2});                                  // points in the plane
  Tensor y = ((x.sum({1}) > 0.0f) * (x.abs().max(1) < 2.0f));  // class 0 or 1
  nn::Sequential model;
  model.push_back(std::make_shared<nn::Linear>(2, 16));
  model.push_back(std::make_shared<nn::Tanh>());
  model.push_back(std::make_shared<nn::Linear>(16, 2));
  optim::Adam opt(model.parameters(), optim::AdamOptions{.lr = 0.05f});
  for (int step = 0; step <= 200; ++step) {
    Tensor loss = F::cross_entropy(model(x), y);
    opt.zero_grad();
    loss.backward();
    opt.step();
    if (step % 50 == 0) std::printf("step %3d  loss %.4f\n", step, loss.item());
  }
  nn::save(model, "toy.safetensors");
}
