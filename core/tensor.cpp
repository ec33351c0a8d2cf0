// The Tensor handle: accessors, autograd flags, in-place helpers, printing,
// and the factories. The ops live in the files named in core/ops.h.
#include "core/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <new>
#include <ostream>
#include <sstream>
#include <utility>

#include "core/node.h"
#include "core/ops.h"
#include "core/random.h"

namespace ember {

Tensor Tensor::empty(const Shape& shape) {
  const int64_t n = checked_numel(shape, "empty");
  auto impl = std::make_shared<TensorImpl>();
  try {
    impl->storage = std::make_shared<Storage>(static_cast<size_t>(n));
  } catch (const std::bad_alloc&) {
    fail("empty: out of memory allocating ", n, " floats (", static_cast<double>(n) * sizeof(float) / 1e9,
         " GB) for shape ", shape);
  }
  impl->shape = shape;
  return Tensor(std::move(impl));
}

const TensorImpl& Tensor::checked() const {
  if (!impl_) fail("Tensor: this tensor is undefined (default-constructed or an absent gradient)");
  return *impl_;
}

const Shape& Tensor::shape() const { return checked().shape; }
int64_t Tensor::size(int64_t d) const {
  if (dim() == 0) fail("size: dim ", d, " asked of a tensor with no dims (shape [])");
  return shape()[normalize_dim(d, dim(), "size")];
}
int64_t Tensor::numel() const { return numel_of(shape()); }
float* Tensor::data() { return const_cast<float*>(std::as_const(*this).data()); }
const float* Tensor::data() const { return checked().storage->data(); }
std::vector<float> Tensor::to_vector() const { return {data(), data() + numel()}; }

float Tensor::item() const {
  if (numel() != 1) fail("item: expected a tensor with one element, got shape ", shape());
  return data()[0];
}

bool Tensor::requires_grad() const { return checked().requires_grad; }

Tensor& Tensor::requires_grad_(bool on) {
  if (!is_leaf())
    fail("requires_grad_: only leaf tensors can change requires_grad; this one was computed by ",
         grad_fn()->name(), " (use detach() to get a leaf)");
  impl_->requires_grad = on;
  return *this;
}

bool Tensor::is_leaf() const { return checked().grad_fn == nullptr; }
Tensor Tensor::grad() const { return Tensor(checked().grad); }

void Tensor::set_grad(const Tensor& g) {
  checked();  // an undefined tensor has nowhere to keep a gradient
  if (g.defined() && g.shape() != shape())
    fail("set_grad: gradient shape ", g.shape(), " does not match the tensor's shape ", shape());
  impl_->grad = g.impl_ptr();
}

void Tensor::retain_grad() {
  if (!requires_grad()) fail("retain_grad: the tensor does not require grad (shape ", shape(), ")");
  if (!is_leaf()) impl_->retains_grad = true;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const { return checked().grad_fn; }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = checked().storage;
  impl->shape = impl_->shape;
  return Tensor(std::move(impl));
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape());
  std::copy_n(data(), numel(), out.data());
  if (needs_grad(*this))
    record({"CloneBackward", "y = x: dx = g"}, out, {*this},
           Backward{.differentiable = [](const Tensor& g) { return grads(g); }});
  return out;
}

Tensor& Tensor::bump_version() {
  checked().storage->bump_version();
  return *this;
}

int64_t Tensor::version() const { return checked().storage->version(); }

Tensor& Tensor::fill_(float value) {
  std::fill_n(data(), numel(), value);
  return bump_version();
}

Tensor& Tensor::copy_(const Tensor& src) {
  if (src.numel() != numel())
    fail("copy_: source has ", src.numel(), " elements (shape ", src.shape(), ") but the destination has ",
         numel(), " (shape ", shape(), ")");
  std::memmove(data(), src.data(), sizeof(float) * numel());
  return bump_version();
}

// --- methods that forward to the ops ------------------------------------------
Tensor Tensor::reshape(const Shape& s) const { return ember::reshape(*this, s); }
Tensor Tensor::flatten(int64_t start, int64_t end) const { return ember::flatten(*this, start, end); }
Tensor Tensor::transpose(int64_t d0, int64_t d1) const { return ember::transpose(*this, d0, d1); }
Tensor Tensor::t() const {
  if (dim() > 2) fail("t: expects a tensor with at most 2 dims, got shape ", shape(), " (use transpose)");
  return dim() < 2 ? *this : ember::transpose(*this, 0, 1);
}
Tensor Tensor::sum() const { return ember::sum(*this); }
Tensor Tensor::sum(const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::sum(*this, dims, keepdim);
}
Tensor Tensor::mean() const { return ember::mean(*this); }
Tensor Tensor::mean(const std::vector<int64_t>& dims, bool keepdim) const {
  return ember::mean(*this, dims, keepdim);
}
Tensor Tensor::max() const { return ember::max(*this); }
Tensor Tensor::max(int64_t d, bool keepdim) const { return ember::max(*this, d, keepdim); }
Tensor Tensor::argmax(int64_t d, bool keepdim) const { return ember::argmax(*this, d, keepdim); }
Tensor Tensor::matmul(const Tensor& other) const { return ember::matmul(*this, other); }
Tensor Tensor::exp() const { return ember::exp(*this); }
Tensor Tensor::log() const { return ember::log(*this); }
Tensor Tensor::log1p() const { return ember::log1p(*this); }
Tensor Tensor::pow(float e) const { return ember::pow(*this, e); }
Tensor Tensor::sqrt() const { return ember::sqrt(*this); }
Tensor Tensor::abs() const { return ember::abs(*this); }
Tensor Tensor::tanh() const { return ember::tanh(*this); }
Tensor Tensor::erf() const { return ember::erf(*this); }
Tensor Tensor::sin() const { return ember::sin(*this); }
Tensor Tensor::cos() const { return ember::cos(*this); }
Tensor Tensor::sigmoid() const { return ember::sigmoid(*this); }
Tensor Tensor::clamp(float lo, float hi) const { return ember::clamp(*this, lo, hi); }
Tensor Tensor::neg() const { return ember::neg(*this); }

// --- printing -------------------------------------------------------------------
namespace {
// Prints nested brackets as PyTorch does. summarize: like PyTorch, tensors of
// more than 1000 elements print the ends of long dims only. A loop over an
// explicit index per dim rather than recursion: a tensor may have 100,000 dims.
void print_values(std::ostream& out, const float* data, const Shape& shape, bool summarize) {
  const size_t rank = shape.size();
  if (rank == 0) {
    out << data[0];
    return;
  }
  std::vector<int64_t> stride(rank, 1), index(rank, 0), base(rank, 0);
  for (size_t d = rank - 1; d-- > 0;) stride[d] = stride[d + 1] * shape[d + 1];
  const int64_t edge = 3;
  // Between rows of dim d: a comma, one newline per dim below (a blank line
  // between matrices), and the indent of the next row's brackets.
  auto separator = [&](size_t d) {
    if (d + 1 == rank) return std::string(", ");
    std::string text(1, ',');
    text.append(rank - d - 1, '\n');
    return text.append(d + 8, ' ');
  };
  size_t d = 0;  // the dim whose element index[d] prints next
  out << "[";
  while (true) {
    if (index[d] == shape[d]) {  // this dim is done: close it, go on in the one above
      out << "]";
      if (d == 0) return;
      ++index[--d];
      continue;
    }
    if (summarize && shape[d] > 2 * edge && index[d] == edge) {
      out << separator(d) << "...";
      index[d] = shape[d] - edge;
      continue;
    }
    if (index[d]) out << separator(d);
    if (d + 1 == rank) {
      out << data[base[d] + index[d]];
      ++index[d];
    } else {  // open the next dim at this element
      base[d + 1] = base[d] + index[d] * stride[d];
      index[++d] = 0;
      out << "[";
    }
  }
}
}  // namespace

std::string Tensor::to_string() const {
  std::ostringstream out;
  out << *this;
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) {
  if (!t.defined()) return out << "tensor(undefined)";
  std::ostringstream body;
  body << std::setprecision(4);
  if (t.numel() == 0 && t.dim() > 1) {  // PyTorch's form; walking [2^62, 8, 0] row by row would not end
    body << "[], size=(";
    for (int64_t d = 0; d < t.dim(); ++d) body << (d ? ", " : "") << t.size(d);
    body << ")";
  } else {
    print_values(body, t.data(), t.shape(), t.numel() > 1000);
  }
  out << "tensor(" << body.str();
  if (t.grad_fn())
    out << ", grad_fn=<" << t.grad_fn()->name() << ">";
  else if (t.requires_grad())
    out << ", requires_grad=True";
  return out << ")";
}

// --- factories --------------------------------------------------------------------
Tensor tensor(std::vector<float> values, Shape shape, bool requires_grad) {
  if (static_cast<int64_t>(values.size()) != numel_of(shape))
    fail("tensor: ", values.size(), " values do not fill shape ", shape, " (", numel_of(shape), " elements)");
  Tensor t = Tensor::empty(shape);
  std::copy(values.begin(), values.end(), t.data());
  t.requires_grad_(requires_grad);
  return t;
}

Tensor scalar_tensor(float value) { return full({}, value); }
Tensor zeros(Shape shape) { return full(std::move(shape), 0.0f); }
Tensor ones(Shape shape) { return full(std::move(shape), 1.0f); }
Tensor full(Shape shape, float value) { return Tensor::empty(shape).fill_(value); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape()); }
Tensor full_like(const Tensor& t, float value) { return full(t.shape(), value); }

Tensor randn(Shape shape) {
  Tensor t = Tensor::empty(shape);
  default_generator().normal(t.data(), t.numel());
  return t;
}

Tensor rand(Shape shape) {
  Tensor t = Tensor::empty(shape);
  default_generator().uniform(t.data(), t.numel());
  return t;
}

Tensor arange(double start, double end, double step) {
  if (step == 0 || !std::isfinite(start) || !std::isfinite(end) || !std::isfinite(step))
    fail("arange: expected finite start, end and a nonzero step, got start=", start, " end=", end,
         " step=", step);
  if ((end - start) * step < 0)
    fail("arange: step ", step, " goes away from end (start=", start, ", end=", end, ")");
  auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  Tensor t = Tensor::empty({n});
  for (int64_t i = 0; i < n; ++i) t.data()[i] = static_cast<float>(start + step * i);
  return t;
}

Tensor linspace(float start, float end, int64_t n) {
  if (n < 0) fail("linspace: number of steps must be non-negative, got ", n);
  Tensor t = Tensor::empty({n});
  double step = n > 1 ? (static_cast<double>(end) - start) / static_cast<double>(n - 1) : 0.0;
  // Like PyTorch, fill the second half from the end so that both ends are exact
  // (one point is the start).
  for (int64_t i = 0; i < n; ++i)
    t.data()[i] = static_cast<float>(i < n / 2 || n == 1 ? start + step * i : end - step * (n - 1 - i));
  return t;
}

}  // namespace ember
