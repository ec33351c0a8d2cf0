// L-BFGS's state in a checkpoint. PyTorch's state_dict keeps it as one entry on the first
// parameter (func_evals, n_iter, d, t, old_dirs, old_stps, ro, H_diag, prev_flat_grad,
// prev_loss); ember keeps the same entries as the optimizer's SharedState: the numbers as
// exact text (t and prev_loss are doubles, and a resumed run must continue from the same
// bits), the vectors as tensors, the history stacked into [k, numel]. Reading checks all
// that a step relies on before anything changes: a direction of the wrong length would be
// read past its end, and a history longer than history_size would never be trimmed.
#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "core/error.h"
#include "core/untrusted_text.h"
#include "nn/serialize.h"
#include "optim/lbfgs.h"

namespace ember::optim {
namespace {

// The history's k vectors of n values as one [k, n] tensor, and back.
Tensor stack_rows(const std::vector<Tensor>& rows, int64_t n) {
  Tensor out = Tensor::empty({static_cast<int64_t>(rows.size()), n});
  float* dst = out.data();
  for (const Tensor& row : rows) dst = std::copy(row.data(), row.data() + n, dst);
  return out;
}

std::vector<Tensor> unstack_rows(const Tensor& stacked) {
  const int64_t k = stacked.shape()[0], n = stacked.shape()[1];
  std::vector<Tensor> rows;
  for (int64_t i = 0; i < k; ++i) {
    Tensor row = Tensor::empty({n});
    std::copy(stacked.data() + i * n, stacked.data() + (i + 1) * n, row.data());
    rows.push_back(row);
  }
  return rows;
}

const std::set<std::string> kValueNames{"func_evals", "n_iter", "t", "H_diag", "prev_loss"};
const std::set<std::string> kTensorNames{"d", "prev_flat_grad", "old_dirs", "old_stps", "ro"};

}  // namespace

SharedState LBFGS::shared_state() const {
  SharedState out;
  out.values = {{"func_evals", std::to_string(s_.func_evals)},
                {"n_iter", std::to_string(s_.n_iter)},
                {"t", nn::exact_text(s_.t)},
                {"H_diag", nn::exact_text(s_.H_diag)},
                {"prev_loss", nn::exact_text(s_.prev_loss)}};
  if (s_.d.defined()) out.tensors["d"] = s_.d.clone();  // copies: the caller may write into them
  if (s_.prev_flat_grad.defined()) out.tensors["prev_flat_grad"] = s_.prev_flat_grad.clone();
  if (!s_.ro.empty()) {
    out.tensors["old_dirs"] = stack_rows(s_.old_dirs, numel_);
    out.tensors["old_stps"] = stack_rows(s_.old_stps, numel_);
    out.tensors["ro"] = tensor(s_.ro, {static_cast<int64_t>(s_.ro.size())});
  }
  return out;
}

// Checks all of `shared` and reads its numbers (the counts, t, H_diag, prev_loss and ro); the
// vectors are copied only by restore_shared_state.
LBFGSState LBFGS::read_shared_state(const SharedState& shared, const std::string& where) const {
  const std::string context = where + ": LBFGS state";
  for (const auto& [name, value] : shared.values)
    if (!kValueNames.count(name))
      fail(context, ": unexpected value '", detail::printable(name),
           "' (LBFGS keeps func_evals, n_iter, t, H_diag and prev_loss)");
  for (const auto& [name, t] : shared.tensors) {
    if (!kTensorNames.count(name))
      fail(context, ": unexpected tensor '", detail::printable(name),
           "' (LBFGS keeps d, prev_flat_grad, old_dirs, old_stps and ro)");
    if (!t.defined()) fail(context, ": tensor '", name, "' is undefined");
  }
  nn::MetadataReader r{shared.values, context, " (an LBFGS state always has it)"};
  LBFGSState s;
  s.func_evals = r.integer("func_evals");
  s.n_iter = r.integer("n_iter");
  for (auto [name, count] : {std::pair{"func_evals", s.func_evals}, std::pair{"n_iter", s.n_iter}})
    if (count < 0 || count > kMaxStepCount)
      fail(context, ": ", name, " = ", count, " is not a count (it must be in 0..2^53)");
  s.t = r.real("t");
  if (!std::isfinite(s.t)) fail(context, ": t = ", s.t, " is not a step length (it must be finite)");
  // yᵀs / yᵀy of a pair kept because yᵀs > 1e-10, or 1 before any: a finite float above 0.
  const double h_diag = r.real("H_diag");
  s.H_diag = static_cast<float>(h_diag);
  if (!(s.H_diag > 0) || !std::isfinite(s.H_diag))
    fail(context, ": H_diag = ", h_diag, " is not an inverse-Hessian scale (it must be a finite float > 0)");
  s.prev_loss = r.real("prev_loss");  // any value: a run whose loss became NaN can be saved and resumed

  auto find = [&](const char* name) -> const Tensor* {
    auto it = shared.tensors.find(name);
    return it == shared.tensors.end() ? nullptr : &it->second;
  };
  // d and prev_flat_grad exist once an iteration has run, one value per parameter value.
  const bool iterated = s.n_iter > 0;
  for (const char* name : {"d", "prev_flat_grad"}) {
    const Tensor* t = find(name);
    if (iterated && !t) fail(context, ": tensor '", name, "' is missing (n_iter = ", s.n_iter, ")");
    if (!iterated && t) fail(context, ": tensor '", name, "' given, but n_iter = 0 (no iteration has run)");
    if (t && t->shape() != Shape{numel_})
      fail(context, ": tensor '", name, "' has shape ", t->shape(), " but the parameters hold ", numel_,
           " values (expected [", numel_, "])");
  }

  // The history: k pairs, at most one per iteration after the first, at most history_size.
  const Tensor *dirs = find("old_dirs"), *stps = find("old_stps"), *ro = find("ro");
  if (!ro) {
    if (dirs || stps) fail(context, ": a history (old_dirs, old_stps) without its ro");
    return s;
  }
  if (ro->dim() != 1 || ro->numel() == 0)
    fail(context, ": tensor 'ro' has shape ", ro->shape(), " (expected [k], k >= 1 pairs)");
  const int64_t k = ro->numel();
  if (k > options_.history_size)
    fail(context, ": the history holds ", k, " pairs but history_size is ", options_.history_size,
         " (load it into an LBFGS with history_size >= ", k, ")");
  if (k > s.n_iter - 1)
    fail(context, ": the history holds ", k, " pairs but n_iter = ", s.n_iter,
         " (a pair is kept at most once per iteration after the first)");
  for (auto [name, t] : {std::pair{"old_dirs", dirs}, std::pair{"old_stps", stps}}) {
    if (!t) fail(context, ": tensor '", name, "' is missing (ro holds ", k, " pairs)");
    if (t->shape() != Shape{k, numel_})
      fail(context, ": tensor '", name, "' has shape ", t->shape(), " (expected [", k, ", ", numel_, "])");
  }
  s.ro = ro->to_vector();
  for (int64_t i = 0; i < k; ++i)
    if (!(s.ro[i] > 0) || !std::isfinite(s.ro[i]))
      fail(context, ": ro[", i, "] = ", s.ro[i],
           " is not 1 / yᵀs of a kept pair (it must be finite and > 0)");
  return s;
}

void LBFGS::check_shared_state(const SharedState& shared, const std::string& where) const {
  read_shared_state(shared, where);
}

// Checked already, so only the vectors are left to copy (a load checks before it restores:
// copying them there too would copy the whole history twice).
void LBFGS::restore_shared_state(const SharedState& shared) {
  LBFGSState s = read_shared_state(shared, name_);
  if (s.n_iter > 0) {
    s.d = shared.tensors.at("d").clone();
    s.prev_flat_grad = shared.tensors.at("prev_flat_grad").clone();
  }
  if (!s.ro.empty()) {
    s.old_dirs = unstack_rows(shared.tensors.at("old_dirs"));
    s.old_stps = unstack_rows(shared.tensors.at("old_stps"));
  }
  s_ = std::move(s);
}

}  // namespace ember::optim
