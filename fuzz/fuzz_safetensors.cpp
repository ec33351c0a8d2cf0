// Fuzzes the safetensors loaders with the bytes of a file: nn::load into a small
// fixed model (Sequential(Linear(3, 4), ReLU, Linear(4, 2))) and
// optim::load_checkpoint into the same model with Adam, with and without a
// StepLR. Both promise to check everything before they write anything, so on an
// ember::Error the model, the optimizer's state and lr, the scheduler and the
// generator must be exactly as they were; on success the loaded state must
// train: one forward, backward, Adam step and scheduler step.
#include <cstring>

#include "ember.h"
#include "fuzz_snapshot.h"
#include "fuzz_util.h"

namespace {

using namespace ember;

std::shared_ptr<nn::Sequential> make_model() {
  manual_seed(0);
  return std::make_shared<nn::Sequential>(std::initializer_list<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(3, 4), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(4, 2)});
}

void train_one_step(nn::Module& model, optim::Optimizer& optimizer, optim::LRScheduler* scheduler) {
  Tensor x = tensor({0.5f, -1.0f, 2.0f, 1.0f, 0.0f, -0.5f}, {2, 3});
  Tensor y = model(x);
  FUZZ_CHECK(y.shape() == Shape({2, 2}), "forward after load: shape %s", shape_str(y.shape()).c_str());
  optimizer.zero_grad();
  F::mse_loss(y, zeros({2, 2})).backward();
  optimizer.step();
  if (scheduler) scheduler->step();
}

void load_model(const std::string& path) {
  auto model = make_model();
  const std::string before = ember_fuzz::snapshot(*model, nullptr, nullptr);
  try {
    nn::load(*model, path);
  } catch (const Error& e) {
    FUZZ_CHECK(ember_fuzz::snapshot(*model, nullptr, nullptr) == before,
               "nn::load changed the model before failing: %s", e.what());
    return;
  }
  Tensor y = (*model)(ones({1, 3}));
  FUZZ_CHECK(y.shape() == Shape({1, 2}), "forward after nn::load: shape %s", shape_str(y.shape()).c_str());
}

void load_checkpoint(const std::string& path, bool with_scheduler) {
  auto model = make_model();
  optim::Adam adam(model->parameters(), {.lr = 0.01f});
  std::unique_ptr<optim::StepLR> scheduler;
  if (with_scheduler) scheduler = std::make_unique<optim::StepLR>(adam, 2, 0.5);
  train_one_step(*model, adam, scheduler.get());  // some state to lose
  const std::string before = ember_fuzz::snapshot(*model, &adam, scheduler.get());
  nn::Metadata extra;
  try {
    optim::load_checkpoint(path, *model, adam, scheduler.get(), &extra);
  } catch (const Error& e) {
    FUZZ_CHECK(ember_fuzz::snapshot(*model, &adam, scheduler.get()) == before,
               "load_checkpoint changed something before failing: %s", e.what());
    return;
  }
  train_one_step(*model, adam, scheduler.get());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = ember_fuzz::write_file("input.safetensors", data, size);
  load_model(path);
  load_checkpoint(path, /*with_scheduler=*/true);
  load_checkpoint(path, /*with_scheduler=*/false);
  return 0;
}
