// Optimizers and schedulers: trajectories against PyTorch 1.13 fixtures
// (fixed parameters, a fixed gradient sequence, the parameters after every
// step, one parameter without a gradient on half the steps), option
// validation, and save/restore giving a bit-exact resumed run.
#include <ember.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "core_test_util.h"
#include "nn_fixture.h"

using namespace ember;
using ember::testing::error_of;
using ember::testing::TempDir;
using nn_fixture::close;

namespace {

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& name,
                                                 const std::map<std::string, std::string>& o,
                                                 std::vector<Tensor> params) {
  auto get = [&](const char* key, float fallback) { return o.count(key) ? std::stof(o.at(key)) : fallback; };
  auto flag = [&](const char* key) { return o.count(key) && o.at(key) == "1"; };
  if (name == "SGD")
    return std::make_unique<optim::SGD>(params, optim::SGDOptions{.lr = get("lr", 0),
                                                                  .momentum = get("momentum", 0),
                                                                  .dampening = get("dampening", 0),
                                                                  .weight_decay = get("weight_decay", 0),
                                                                  .nesterov = flag("nesterov"),
                                                                  .maximize = flag("maximize")});
  if (name == "Adam")
    return std::make_unique<optim::Adam>(params, optim::AdamOptions{.lr = get("lr", 1e-3f),
                                                                    .beta1 = get("beta1", 0.9f),
                                                                    .beta2 = get("beta2", 0.999f),
                                                                    .eps = get("eps", 1e-8f),
                                                                    .weight_decay = get("weight_decay", 0),
                                                                    .amsgrad = flag("amsgrad")});
  if (name == "AdamW")
    return std::make_unique<optim::AdamW>(params,
                                          optim::AdamWOptions{.lr = get("lr", 1e-3f),
                                                              .beta1 = get("beta1", 0.9f),
                                                              .beta2 = get("beta2", 0.999f),
                                                              .eps = get("eps", 1e-8f),
                                                              .weight_decay = get("weight_decay", 1e-2f),
                                                              .amsgrad = flag("amsgrad")});
  if (name == "RMSprop")
    return std::make_unique<optim::RMSprop>(params,
                                            optim::RMSpropOptions{.lr = get("lr", 1e-2f),
                                                                  .alpha = get("alpha", 0.99f),
                                                                  .eps = get("eps", 1e-8f),
                                                                  .weight_decay = get("weight_decay", 0),
                                                                  .momentum = get("momentum", 0),
                                                                  .centered = flag("centered")});
  if (name == "Adagrad")
    return std::make_unique<optim::Adagrad>(
        params, optim::AdagradOptions{.lr = get("lr", 1e-2f),
                                      .lr_decay = get("lr_decay", 0),
                                      .weight_decay = get("weight_decay", 0),
                                      .initial_accumulator_value = get("initial_accumulator_value", 0),
                                      .eps = get("eps", 1e-10f)});
  throw std::runtime_error("unknown optimizer " + name);
}

std::unique_ptr<optim::LRScheduler> make_scheduler(const std::string& name,
                                                   const std::map<std::string, std::string>& o,
                                                   optim::Optimizer& opt) {
  auto get = [&](const char* key, double fallback) { return o.count(key) ? std::stod(o.at(key)) : fallback; };
  if (name == "StepLR")
    return std::make_unique<optim::StepLR>(opt, std::stoll(o.at("step_size")), get("gamma", 0.1));
  if (name == "MultiStepLR") {
    std::vector<int64_t> milestones;
    std::stringstream in(o.at("milestones"));
    for (std::string m; std::getline(in, m, ',');) milestones.push_back(std::stoll(m));
    return std::make_unique<optim::MultiStepLR>(opt, milestones, get("gamma", 0.1));
  }
  if (name == "ExponentialLR") return std::make_unique<optim::ExponentialLR>(opt, get("gamma", 0));
  if (name == "CosineAnnealingLR")
    return std::make_unique<optim::CosineAnnealingLR>(opt, std::stoll(o.at("T_max")), get("eta_min", 0));
  if (name == "LinearLR")
    return std::make_unique<optim::LinearLR>(opt, get("start_factor", 1.0 / 3), get("end_factor", 1.0),
                                             o.count("total_iters") ? std::stoll(o.at("total_iters")) : 5);
  throw std::runtime_error("unknown scheduler " + name);
}

}  // namespace

TEST(Optim, TrajectoriesMatchPyTorch) {
  auto fx = nn_fixture::read("nn_optim.txt");
  ASSERT_EQ(fx.cases.size(), 18u);
  for (const auto& c : fx.cases) {
    SCOPED_TRACE(c[0]);
    Tensor p0 = fx.tensor("init.p0").requires_grad_(), p1 = fx.tensor("init.p1").requires_grad_();
    auto opt = make_optimizer(c[1], nn_fixture::options(c, 2), {p0, p1});
    for (int s = 0; fx.has("grad.p0." + std::to_string(s)); ++s) {
      SCOPED_TRACE("step " + std::to_string(s));
      opt->zero_grad();
      p0.set_grad(fx.tensor("grad.p0." + std::to_string(s)));
      if (fx.has("grad.p1." + std::to_string(s))) p1.set_grad(fx.tensor("grad.p1." + std::to_string(s)));
      opt->step();
      EXPECT_TRUE(close(p0, fx.tensor(c[0] + ".p0." + std::to_string(s)), 1e-6, 1e-5));
      EXPECT_TRUE(close(p1, fx.tensor(c[0] + ".p1." + std::to_string(s)), 1e-6, 1e-5));
    }
  }
}

TEST(Optim, SchedulersMatchPyTorch) {
  auto fx = nn_fixture::read("nn_schedulers.txt");
  ASSERT_EQ(fx.cases.size(), 7u);
  for (const auto& c : fx.cases) {
    SCOPED_TRACE(c[0]);
    Tensor p = zeros({1}).requires_grad_();
    optim::SGD opt({p}, {.lr = 0.1f});
    auto sched = make_scheduler(c[1], nn_fixture::options(c, 2), opt);
    const auto& expected = fx.at(c[0] + ".lr").values;
    for (size_t e = 0; e < expected.size(); ++e) {
      EXPECT_NEAR(sched->get_last_lr(), expected[e], 1e-15 + 1e-12 * expected[e]) << "epoch " << e;
      EXPECT_EQ(opt.lr(), sched->get_last_lr());
      sched->step();
    }
  }
}

TEST(Optim, ParametersWithoutGradientAreSkipped) {
  Tensor a = ones({3}).requires_grad_(), b = ones({2}).requires_grad_();
  optim::Adam opt({a, b}, {.lr = 0.1f, .weight_decay = 0.5f});
  a.set_grad(ones({3}));
  opt.step();
  EXPECT_EQ(b.to_vector(), std::vector<float>({1, 1}));
  EXPECT_EQ(opt.state()[1].step, 0);
  EXPECT_TRUE(opt.state()[1].tensors.empty());
  EXPECT_EQ(opt.state()[0].step, 1);
  EXPECT_NE(a.to_vector()[0], 1.0f);
}

TEST(Optim, ZeroGrad) {
  Tensor a = ones({3}).requires_grad_();
  optim::SGD opt({a}, {.lr = 0.1f});
  a.set_grad(ones({3}));
  opt.zero_grad(false);
  EXPECT_EQ(a.grad().to_vector(), std::vector<float>({0, 0, 0}));
  opt.zero_grad();
  EXPECT_FALSE(a.grad().defined());
}

TEST(Optim, InvalidOptionsAreErrors) {
  Tensor p = ones({2}).requires_grad_();
  EXPECT_NE(error_of([&] { optim::SGD({p}, {.lr = -0.1f}); }).find("invalid learning rate"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::SGD({p}, {}); }).find("learning rate is required"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::SGD({p}, {.lr = 0.1f, .nesterov = true}); }).find("Nesterov"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::SGD({p}, {.lr = 0.1f, .momentum = -1}); }).find("momentum"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::Adam({p}, {.beta1 = 1.0f}); }).find("beta parameter at index 0"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::Adam({p}, {.beta2 = -0.1f}); }).find("index 1"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::AdamW({p}, {.eps = -1}); }).find("epsilon"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::Adam({p}, {.weight_decay = -1}); }).find("weight_decay"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::RMSprop({p}, {.alpha = -1}); }).find("alpha"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::Adagrad({p}, {.lr_decay = -1}); }).find("lr_decay"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::Adagrad({}, {}); }).find("empty parameter list"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::SGD({p * 2.0f}, {.lr = 0.1f}); }).find("non-leaf"), std::string::npos);
  optim::SGD ok({p}, {.lr = 0.1f});
  EXPECT_NE(error_of([&] { optim::StepLR(ok, 0); }).find("step_size"), std::string::npos);
  EXPECT_NE(error_of([&] { optim::LinearLR(ok, 0.0); }).find("starting multiplicative factor"),
            std::string::npos);
  EXPECT_NE(error_of([&] { optim::CosineAnnealingLR(ok, 0); }).find("T_max"), std::string::npos);
}

TEST(Optim, DefaultsArePyTorchs) {
  optim::AdamOptions adam;
  EXPECT_EQ(adam.lr, 1e-3f);
  EXPECT_EQ(adam.beta1, 0.9f);
  EXPECT_EQ(adam.beta2, 0.999f);
  EXPECT_EQ(adam.eps, 1e-8f);
  EXPECT_EQ(adam.weight_decay, 0.0f);
  EXPECT_EQ(optim::AdamWOptions{}.weight_decay, 1e-2f);
  optim::RMSpropOptions rms;
  EXPECT_EQ(rms.lr, 1e-2f);
  EXPECT_EQ(rms.alpha, 0.99f);
  EXPECT_EQ(rms.eps, 1e-8f);
  optim::AdagradOptions ada;
  EXPECT_EQ(ada.lr, 1e-2f);
  EXPECT_EQ(ada.eps, 1e-10f);
  optim::SGDOptions sgd{.lr = 0.1f};
  EXPECT_EQ(sgd.momentum, 0.0f);
  EXPECT_EQ(sgd.dampening, 0.0f);
  EXPECT_FALSE(sgd.nesterov);
}

// Train a small model with dropout, Adam and a scheduler for 6 steps; then
// train 3, save everything, rebuild every object from scratch, load, train 3
// more. The weights must be identical bit for bit.
TEST(Optim, ResumedRunContinuesBitExactly) {
  auto dir = std::filesystem::temp_directory_path() / "ember_test_optim_resume";
  std::filesystem::create_directories(dir);
  std::string model_path = (dir / "model.safetensors").string(),
              state_path = (dir / "state.safetensors").string();
  auto build = [] {
    auto m = std::make_shared<nn::Sequential>();
    m->push_back(std::make_shared<nn::Linear>(4, 8));
    m->push_back(std::make_shared<nn::Dropout>(0.3f));
    m->push_back(std::make_shared<nn::Linear>(8, 3));
    return m;
  };
  Tensor x = tensor({0.1f, 0.2f, -0.3f, 0.4f, 1, -1, 0.5f, 0.25f, -0.7f, 0.3f, 0.9f, -0.2f}, {3, 4});
  Tensor y = tensor({0, 2, 1}, {3});
  auto train_step = [&](nn::Module& m, optim::Optimizer& opt, optim::LRScheduler& sched) {
    opt.zero_grad();
    F::cross_entropy(m(x), y).backward();
    opt.step();
    sched.step();
  };
  manual_seed(42);
  auto straight = build();
  optim::Adam opt_a(straight->parameters(), {.lr = 0.05f, .amsgrad = true});
  optim::StepLR sched_a(opt_a, 2, 0.5);
  for (int i = 0; i < 6; ++i) train_step(*straight, opt_a, sched_a);

  manual_seed(42);
  auto first = build();
  {
    optim::Adam opt(first->parameters(), {.lr = 0.05f, .amsgrad = true});
    optim::StepLR sched(opt, 2, 0.5);
    for (int i = 0; i < 3; ++i) train_step(*first, opt, sched);
    nn::save(*first, model_path);
    optim::save_state(opt, state_path, &sched, 3);
  }
  manual_seed(999);  // the resumed process starts with another generator state
  auto resumed = build();
  optim::Adam opt_b(resumed->parameters(), {.lr = 0.05f, .amsgrad = true});
  optim::StepLR sched_b(opt_b, 2, 0.5);
  nn::load(*resumed, model_path);
  EXPECT_EQ(optim::load_state(opt_b, state_path, &sched_b), 3);
  EXPECT_EQ(sched_b.last_epoch(), 3);
  for (int i = 0; i < 3; ++i) train_step(*resumed, opt_b, sched_b);
  auto a = straight->named_parameters(), b = resumed->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
  EXPECT_EQ(opt_a.lr(), opt_b.lr());
  std::filesystem::remove_all(dir);
}

TEST(Optim, LoadStateChecksBeforeChanging) {
  auto dir = std::filesystem::temp_directory_path() / "ember_test_optim_state";
  std::filesystem::create_directories(dir);
  std::string path = (dir / "state.safetensors").string();
  Tensor a = ones({3}).requires_grad_();
  optim::SGD sgd({a}, {.lr = 0.1f, .momentum = 0.9f});
  a.set_grad(ones({3}));
  sgd.step();
  optim::save_state(sgd, path);
  Tensor b = ones({4}).requires_grad_();
  optim::SGD other({b}, {.lr = 0.2f, .momentum = 0.9f});
  std::string e = error_of([&] { optim::load_state(other, path); });
  EXPECT_NE(e.find("shape [3] but parameter 0 has shape [4]"), std::string::npos) << e;
  EXPECT_EQ(other.lr(), 0.2f);
  EXPECT_TRUE(other.state()[0].tensors.empty());
  optim::Adam adam({a});
  e = error_of([&] { optim::load_state(adam, path); });
  EXPECT_NE(e.find("holds SGD state but the optimizer is Adam"), std::string::npos) << e;
  optim::StepLR sched(sgd, 3);
  e = error_of([&] { optim::load_state(sgd, path, &sched); });
  EXPECT_NE(e.find("no scheduler state"), std::string::npos) << e;
  std::filesystem::remove_all(dir);
}

namespace {

// For the one-file checkpoint tests: a small model with dropout (so the
// generator matters), trained with Adam (per-parameter tensors) and StepLR.
std::shared_ptr<nn::Sequential> checkpoint_model() {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(4, 8));
  m->push_back(std::make_shared<nn::Dropout>(0.3f));
  m->push_back(std::make_shared<nn::Linear>(8, 3));
  return m;
}

void checkpoint_step(nn::Module& m, optim::Optimizer& opt, optim::LRScheduler& sched) {
  Tensor x = tensor({0.1f, 0.2f, -0.3f, 0.4f, 1, -1, 0.5f, 0.25f, -0.7f, 0.3f, 0.9f, -0.2f}, {3, 4});
  opt.zero_grad();
  F::cross_entropy(m(x), tensor({0, 2, 1}, {3})).backward();
  opt.step();
  sched.step();
}

}  // namespace

// As ResumedRunContinuesBitExactly, through one file: 6 steps straight, or 3,
// save_checkpoint, every object rebuilt under another seed, load_checkpoint,
// 3 more — the same weights bit for bit, and the caller's metadata back.
TEST(Optim, OneFileCheckpointContinuesBitExactly) {
  TempDir tmp("ember_test_optim_checkpoint");
  const std::string path = tmp.file("ckpt.safetensors");
  manual_seed(42);
  auto straight = checkpoint_model();
  optim::Adam opt_a(straight->parameters(), {.lr = 0.05f, .amsgrad = true});
  optim::StepLR sched_a(opt_a, 2, 0.5);
  for (int i = 0; i < 6; ++i) checkpoint_step(*straight, opt_a, sched_a);

  const nn::Metadata extra{{"note", "three steps"}, {"loss_sum", nn::exact_text(0.1)}, {"empty", ""}};
  manual_seed(42);
  {
    auto first = checkpoint_model();
    optim::Adam opt(first->parameters(), {.lr = 0.05f, .amsgrad = true});
    optim::StepLR sched(opt, 2, 0.5);
    for (int i = 0; i < 3; ++i) checkpoint_step(*first, opt, sched);
    optim::save_checkpoint(path, *first, opt, &sched, 3, extra);
  }
  manual_seed(999);  // the resumed process starts with other weights and another generator state
  auto resumed = checkpoint_model();
  optim::Adam opt_b(resumed->parameters(), {.lr = 0.05f, .amsgrad = true});
  optim::StepLR sched_b(opt_b, 2, 0.5);
  nn::Metadata got{{"stale", "replaced"}};
  EXPECT_EQ(optim::load_checkpoint(path, *resumed, opt_b, &sched_b, &got), 3);
  EXPECT_EQ(got, extra);  // the caller's entries only, exactly as given
  EXPECT_EQ(sched_b.last_epoch(), 3);
  for (int i = 0; i < 3; ++i) checkpoint_step(*resumed, opt_b, sched_b);
  auto a = straight->named_parameters(), b = resumed->named_parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].second.to_vector(), b[i].second.to_vector()) << a[i].first;
  EXPECT_EQ(opt_a.lr(), opt_b.lr());
  // The model part is a plain safetensors file's worth of "model.<name>" tensors.
  EXPECT_EQ(nn::read_safetensors(path).metadata.at("format"), "ember.checkpoint.v1");
}

// Every damaged part of a checkpoint — the optimizer's above all, which comes
// after the model's — is an error naming the file and the problem, and leaves
// the model, the optimizer, the scheduler, the generator and `extra` as they were.
TEST(Optim, DamagedCheckpointChangesNothing) {
  TempDir tmp("ember_test_optim_checkpoint_damage");
  manual_seed(5);
  auto source = checkpoint_model();
  optim::Adam source_opt(source->parameters(), {.lr = 0.05f});
  optim::StepLR source_sched(source_opt, 2, 0.5);
  for (int i = 0; i < 2; ++i) checkpoint_step(*source, source_opt, source_sched);
  optim::save_checkpoint(tmp.file("good.safetensors"), *source, source_opt, &source_sched, 2, {{"k", "v"}});
  const nn::SafetensorsFile good = nn::read_safetensors(tmp.file("good.safetensors"));

  // The target has trained a step of its own, so its optimizer state is not empty.
  manual_seed(7);
  auto model = checkpoint_model();
  optim::Adam opt(model->parameters(), {.lr = 0.05f});
  optim::StepLR sched(opt, 2, 0.5);
  checkpoint_step(*model, opt, sched);
  auto snapshot = [&] {
    std::vector<std::vector<float>> values;
    for (auto& [n, t] : model->named_parameters()) values.push_back(t.to_vector());
    for (const auto& s : opt.state()) {
      values.push_back({static_cast<float>(s.step)});
      for (const auto& [n, t] : s.tensors) values.push_back(t.to_vector());
    }
    values.push_back({static_cast<float>(opt.lr()), static_cast<float>(sched.last_epoch())});
    return std::make_pair(values, default_generator().state());
  };
  const auto before = snapshot();

  using Change = std::function<void(nn::SafetensorsFile&)>;
  auto set_tensor = [](const std::string& name, Tensor value) {
    return [=](nn::SafetensorsFile& f) {
      for (auto& [n, t] : f.tensors)
        if (n == name) t = value;
    };
  };
  struct Case {
    const char* name;
    Change change;
    std::string expected;  // a piece of the message
  };
  std::vector<Case> cases = {
      {"optimizer kind", [](auto& f) { f.metadata["optimizer"] = "SGD"; },
       "holds SGD state but the optimizer is Adam"},
      {"state shape", set_tensor("state.0.exp_avg", zeros({1})),
       "tensor 'state.0.exp_avg' has shape [1] but parameter 0 has shape [8, 4]"},
      {"missing step", [](auto& f) { f.metadata.erase("step.3"); }, "metadata 'step.3' is missing"},
      {"bad step", [](auto& f) { f.metadata["step.1"] = "2x"; },
       "metadata 'step.1' = '2x' is not an integer"},
      {"negative step", [](auto& f) { f.metadata["step.2"] = "-1"; }, "negative step count"},
      {"bad lr", [](auto& f) { f.metadata["lr"] = "fast"; }, "metadata 'lr' = 'fast' is not a number"},
      {"scheduler kind", [](auto& f) { f.metadata["scheduler"] = "LinearLR"; },
       "holds LinearLR state but the scheduler is StepLR"},
      {"no scheduler", [](auto& f) { f.metadata.erase("scheduler"); }, "the file has no scheduler state"},
      {"generator", [](auto& f) { f.metadata["rng"] = "not a state"; }, "metadata 'rng'"},
      {"stray tensor", [](auto& f) { f.tensors.emplace_back("momentum", zeros({2})); },
       "unexpected tensor 'momentum'"},
      {"model shape", set_tensor("model.0.weight", zeros({4, 8})),
       "tensor 'model.0.weight' has shape [4, 8] in the file but [8, 4] in the model"},
      {"model tensor missing",
       [](auto& f) { std::erase_if(f.tensors, [](const auto& nt) { return nt.first == "model.2.bias"; }); },
       "the model's tensor model.2.bias is missing from the file"},
      {"not a checkpoint", [](auto& f) { f.metadata["format"] = "ember.optimizer.v1"; },
       "format 'ember.optimizer.v1' is not ember.checkpoint.v1"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    nn::SafetensorsFile f = good;
    cases[i].change(f);
    const std::string path = tmp.file("bad_" + std::to_string(i) + ".safetensors");
    nn::write_safetensors(path, f.tensors, f.metadata);
    nn::Metadata extra{{"untouched", "yes"}};
    std::string e = error_of([&] { optim::load_checkpoint(path, *model, opt, &sched, &extra); });
    EXPECT_NE(e.find(path + ": "), std::string::npos) << e;
    EXPECT_NE(e.find(cases[i].expected), std::string::npos) << e;
    EXPECT_EQ(snapshot(), before);
    EXPECT_EQ(extra, (nn::Metadata{{"untouched", "yes"}}));
  }
  // The good file still loads after all that.
  EXPECT_EQ(optim::load_checkpoint(tmp.file("good.safetensors"), *model, opt, &sched), 2);
  EXPECT_EQ(model->named_parameters()[0].second.to_vector(),
            source->named_parameters()[0].second.to_vector());
}

TEST(Optim, CheckpointExtraKeysMustNotCollide) {
  TempDir tmp("ember_test_optim_checkpoint_keys");
  const std::string path = tmp.file("ckpt.safetensors");
  nn::Linear model(2, 2);
  optim::SGD opt(model.parameters(), {.lr = 0.1f});
  for (const char* key : {"format", "lr", "epoch", "rng", "optimizer", "num_params", "step.0", "scheduler",
                          "scheduler.last_lr"}) {
    std::string e = error_of([&] { optim::save_checkpoint(path, model, opt, nullptr, 0, {{key, "1"}}); });
    EXPECT_NE(e.find("save_checkpoint: " + path + ": extra metadata key '" + key + "'"), std::string::npos)
        << e;
    EXPECT_FALSE(std::filesystem::exists(path)) << key;
  }
  // Keys that merely resemble the checkpoint's own are the caller's.
  const nn::Metadata extra{{"lr_schedule", "cosine"}, {"steps", "10"}, {"model", "mlp"}};
  optim::save_checkpoint(path, model, opt, nullptr, 0, extra);
  nn::Metadata got;
  optim::load_checkpoint(path, model, opt, nullptr, &got);
  EXPECT_EQ(got, extra);
}
