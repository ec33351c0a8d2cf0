// optim::LBFGS in checkpoints: a run saved after a few steps and resumed by a new model and
// optimizer continues bit for bit — through save_checkpoint and through save_state, with and
// without the strong-Wolfe line search, with a history already trimmed to history_size; an
// LBFGS that never stepped round-trips; each damaged part of its state (the history, the
// direction, the counts) is an error naming it, and a refused file changes nothing; the
// other optimizers refuse shared state, and set_shared_state checks like a load.
#include <ember.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core_test_util.h"

using namespace ember;
using ember::testing::error_of;
using ember::testing::TempDir;

namespace {

// A small tanh MLP fitting sin on 32 points: smooth, so L-BFGS keeps curvature pairs.
std::shared_ptr<nn::Sequential> make_model() {
  auto m = std::make_shared<nn::Sequential>();
  m->push_back(std::make_shared<nn::Linear>(1, 8));
  m->push_back(std::make_shared<nn::Tanh>());
  m->push_back(std::make_shared<nn::Linear>(8, 1));
  return m;
}

// One L-BFGS step of the fit.
void train_step(nn::Module& model, optim::LBFGS& opt) {
  Tensor x = linspace(-3, 3, 32).reshape({32, 1});
  Tensor y = sin(x);
  opt.step([&] {
    opt.zero_grad();
    Tensor loss = F::mse_loss(model(x), y);
    loss.backward();
    return loss;
  });
}

std::vector<std::vector<float>> weights(const nn::Module& model) {
  std::vector<std::vector<float>> out;
  for (const auto& [name, p] : model.named_parameters()) out.push_back(p.to_vector());
  return out;
}

// Everything LBFGSState holds, bit for bit, for "changed nothing" and "restored exactly".
std::string state_bits(const optim::LBFGS& opt) {
  const optim::LBFGSState& s = opt.lbfgs_state();
  std::string out = std::to_string(s.func_evals) + "," + std::to_string(s.n_iter) + "," +
                    nn::exact_text(s.t) + "," + nn::exact_text(s.H_diag) + "," + nn::exact_text(s.prev_loss);
  auto add = [&out](const Tensor& t) {
    if (!t.defined()) return out.append("-");
    std::vector<float> v = t.to_vector();
    return out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  };
  add(s.d);
  add(s.prev_flat_grad);
  for (const Tensor& t : s.old_dirs) add(t);
  for (const Tensor& t : s.old_stps) add(t);
  out.append(reinterpret_cast<const char*>(s.ro.data()), s.ro.size() * sizeof(float));
  return out;
}

enum class Layout { checkpoint, state_file };

// Five steps straight against two, save, a new process's objects (other weights, another
// seed), load, three more: the same weights and the same L-BFGS state, bit for bit.
void expect_resume_is_exact(const optim::LBFGSOptions& options, Layout layout) {
  TempDir tmp("ember_test_lbfgs_resume");
  const std::string path = tmp.file("run.safetensors"), model_path = tmp.file("model.safetensors");
  manual_seed(3);
  auto straight = make_model();
  optim::LBFGS opt_a(straight->parameters(), options);
  for (int i = 0; i < 5; ++i) train_step(*straight, opt_a);

  manual_seed(3);
  {
    auto first = make_model();
    optim::LBFGS opt(first->parameters(), options);
    for (int i = 0; i < 2; ++i) train_step(*first, opt);
    if (layout == Layout::checkpoint) {
      optim::save_checkpoint(path, *first, opt, nullptr, 2);
    } else {
      nn::save(*first, model_path);
      optim::save_state(opt, path, nullptr, 2);
    }
  }
  manual_seed(77);
  auto resumed = make_model();
  optim::LBFGS opt_b(resumed->parameters(), options);
  if (layout == Layout::checkpoint) {
    EXPECT_EQ(optim::load_checkpoint(path, *resumed, opt_b), 2);
  } else {
    nn::load(*resumed, model_path);
    EXPECT_EQ(optim::load_state(opt_b, path), 2);
  }
  for (int i = 0; i < 3; ++i) train_step(*resumed, opt_b);
  EXPECT_EQ(weights(*straight), weights(*resumed));
  EXPECT_EQ(state_bits(opt_a), state_bits(opt_b));
  // The run must have reached what the file has to carry: a full, trimmed history.
  EXPECT_EQ(opt_b.lbfgs_state().old_dirs.size(), static_cast<size_t>(options.history_size));
}

}  // namespace

TEST(LBFGSCheckpoint, ResumesBitForBitWithStrongWolfe) {
  expect_resume_is_exact({.max_iter = 4, .history_size = 3, .line_search_fn = "strong_wolfe"},
                         Layout::checkpoint);
  expect_resume_is_exact({.max_iter = 4, .history_size = 3, .line_search_fn = "strong_wolfe"},
                         Layout::state_file);
}

TEST(LBFGSCheckpoint, ResumesBitForBitWithAFixedStep) {
  expect_resume_is_exact({.lr = 0.1, .max_iter = 4, .history_size = 3}, Layout::checkpoint);
  expect_resume_is_exact({.lr = 0.1, .max_iter = 4, .history_size = 3}, Layout::state_file);
}

// Before any step: only the counts are written, and they come back.
TEST(LBFGSCheckpoint, NeverSteppedRoundTrips) {
  TempDir tmp("ember_test_lbfgs_fresh");
  const std::string path = tmp.file("state.safetensors");
  nn::Linear model(2, 1);
  optim::LBFGS opt(model.parameters());
  optim::save_state(opt, path);
  nn::SafetensorsFile file = nn::read_safetensors(path);
  EXPECT_TRUE(file.tensors.empty());
  EXPECT_EQ(file.metadata.at("shared.n_iter"), "0");
  optim::LBFGS other(model.parameters());
  optim::load_state(other, path);
  EXPECT_EQ(state_bits(other), state_bits(opt));
}

namespace {

// A saved mid-run LBFGS state file, to be damaged one part at a time.
struct SavedRun {
  TempDir tmp{"ember_test_lbfgs_damage"};
  std::string path = tmp.file("state.safetensors");
  std::shared_ptr<nn::Sequential> model;
  nn::SafetensorsFile file;

  SavedRun() {
    manual_seed(1);
    model = make_model();
    optim::LBFGS opt(model->parameters(), {.max_iter = 4, .history_size = 3});
    for (int i = 0; i < 2; ++i) train_step(*model, opt);
    optim::save_state(opt, path);
    file = nn::read_safetensors(path);
  }

  // The message a fresh LBFGS gives loading the file after `damage` ("(no error)" if it loads);
  // a refused load must change nothing. `loaded`, if given, receives the optimizer's state.
  std::string load_damaged(const std::function<void(nn::SafetensorsFile&)>& damage,
                           const optim::LBFGSOptions& options = {.max_iter = 4, .history_size = 3},
                           optim::LBFGSState* loaded = nullptr) {
    nn::SafetensorsFile f = file;
    for (auto& named : f.tensors) named.second = named.second.clone();  // damage a copy only
    damage(f);
    nn::write_safetensors(path, f.tensors, f.metadata);
    optim::LBFGS opt(model->parameters(), options);
    train_step(*model, opt);  // a state of its own, which a refused load must leave as it is
    const std::string before = state_bits(opt);
    std::string e = error_of([&] { optim::load_state(opt, path); });
    if (e != "(no error)") {
      EXPECT_EQ(state_bits(opt), before) << e;
    }
    if (loaded) *loaded = opt.lbfgs_state();
    return e;
  }
};

Tensor& tensor_named(nn::SafetensorsFile& f, const std::string& name) {
  for (auto& [n, t] : f.tensors)
    if (n == name) return t;
  throw std::runtime_error("no tensor " + name);
}

void drop_tensor(nn::SafetensorsFile& f, const std::string& name) {
  std::erase_if(f.tensors, [&](const auto& named) { return named.first == name; });
}

}  // namespace

TEST(LBFGSCheckpoint, DamagedStateIsRefusedAndChangesNothing) {
  SavedRun run;
  ASSERT_EQ(run.file.metadata.count("shared.n_iter"), 1u);
  const std::string lbfgs = "load_state: " + run.path + ": LBFGS state: ";
  auto contains = [](const std::string& e, const std::string& part) {
    return e.find(part) != std::string::npos ? ::testing::AssertionSuccess()
                                             : ::testing::AssertionFailure() << e;
  };

  // The history: longer than history_size, misshapen, without ro, with a ro no pair gives.
  EXPECT_TRUE(contains(run.load_damaged([](auto&) {}, {.max_iter = 4, .history_size = 2}),
                       lbfgs + "the history holds 3 pairs but history_size is 2"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) {
    tensor_named(f, "shared.old_dirs") = zeros({3, 5});
  }),
                       lbfgs + "tensor 'old_dirs' has shape [3, 5] (expected [3, 25])"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { drop_tensor(f, "shared.ro"); }),
                       lbfgs + "a history (old_dirs, old_stps) without its ro"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { drop_tensor(f, "shared.old_stps"); }),
                       lbfgs + "tensor 'old_stps' is missing (ro holds 3 pairs)"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { tensor_named(f, "shared.ro").data()[1] = -2; }),
                       lbfgs + "ro[1] = -2 is not 1 / yᵀs of a kept pair"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.n_iter"] = "2"; }),
                       lbfgs + "the history holds 3 pairs but n_iter = 2"));
  // The direction and the previous gradient.
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { drop_tensor(f, "shared.d"); }),
                       lbfgs + "tensor 'd' is missing (n_iter = 8)"));
  EXPECT_TRUE(
      contains(run.load_damaged([](auto& f) { tensor_named(f, "shared.prev_flat_grad") = zeros({24}); }),
               lbfgs + "tensor 'prev_flat_grad' has shape [24] but the parameters hold 25 values"));
  // The numbers.
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.n_iter"] = "-1"; }),
                       lbfgs + "n_iter = -1 is not a count"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.func_evals"] = "1e3"; }),
                       lbfgs + "metadata 'func_evals' = '1e3' is not an integer"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata.erase("shared.t"); }),
                       lbfgs + "metadata 't' is missing"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.t"] = "inf"; }),
                       lbfgs + "t = inf is not a step length"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.H_diag"] = "0"; }),
                       lbfgs + "H_diag = 0 is not an inverse-Hessian scale"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.H_diag"] = "1e300"; }),
                       lbfgs + "H_diag = 1e+300 is not an inverse-Hessian scale"));
  EXPECT_TRUE(
      contains(run.load_damaged([](auto& f) { f.metadata["shared.H_diag"] = "1e-50"; }),
               lbfgs + "H_diag = 1e-50 is not an inverse-Hessian scale (it must be a finite float > 0)"));
  // Names it does not keep.
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.metadata["shared.momentum"] = "1"; }),
                       lbfgs + "unexpected value 'momentum'"));
  EXPECT_TRUE(contains(run.load_damaged([](auto& f) { f.tensors.emplace_back("shared.al", zeros({25})); }),
                       lbfgs + "unexpected tensor 'al'"));
  // The file as saved still loads.
  EXPECT_EQ(run.load_damaged([](auto&) {}), "(no error)");
}

// A run that ended with NaN (a diverged loss) is saved and restored as it was.
TEST(LBFGSCheckpoint, NaNLossIsKept) {
  SavedRun run;
  optim::LBFGSState loaded;
  EXPECT_EQ(run.load_damaged([](auto& f) { f.metadata["shared.prev_loss"] = "nan"; }, {}, &loaded),
            "(no error)");
  EXPECT_TRUE(std::isnan(loaded.prev_loss));
}

// Per-parameter optimizers keep no shared state: a file giving one some is refused.
TEST(LBFGSCheckpoint, OtherOptimizersRefuseSharedState) {
  SavedRun run;
  optim::SGD sgd(run.model->parameters(), {.lr = 0.1f});
  optim::save_state(sgd, run.path);
  nn::SafetensorsFile f = nn::read_safetensors(run.path);
  f.metadata["shared.n_iter"] = "0";
  nn::write_safetensors(run.path, f.tensors, f.metadata);
  std::string e = error_of([&] { optim::load_state(sgd, run.path); });
  EXPECT_NE(e.find("load_state: " + run.path +
                   ": shared state value 'n_iter' given, but SGD keeps its state "
                   "per parameter"),
            std::string::npos)
      << e;
  EXPECT_NE(error_of([&] {
              sgd.set_shared_state({.tensors = {}, .values = {{"n_iter", "0"}}});
            }).find("SGD: shared state"),
            std::string::npos);
}

// set_shared_state checks as a load does, and takes a copy.
TEST(LBFGSCheckpoint, SetSharedStateChecksAndCopies) {
  manual_seed(2);
  auto model = make_model();
  optim::LBFGS opt(model->parameters(), {.max_iter = 4, .history_size = 3});
  for (int i = 0; i < 2; ++i) train_step(*model, opt);
  optim::SharedState shared = opt.shared_state();
  optim::LBFGS other(model->parameters(), {.max_iter = 4, .history_size = 3});
  other.set_shared_state(shared);
  EXPECT_EQ(state_bits(other), state_bits(opt));
  shared.tensors.at("d").data()[0] += 1;  // the caller's tensor, changed afterwards
  EXPECT_EQ(state_bits(other), state_bits(opt));
  shared.tensors.at("d") = zeros({2});
  EXPECT_NE(
      error_of([&] { other.set_shared_state(shared); }).find("LBFGS: LBFGS state: tensor 'd' has shape [2]"),
      std::string::npos);
}
