// Fuzzes the ops' argument checks. The input's bytes decode into one op, a few
// small tensors (rank 0..4, sizes 0..4, values mostly small whole numbers,
// sometimes 0.5, ±1e30, ±inf, NaN, a denormal, -0) and its arguments (dims and
// sizes mostly in range, sometimes far outside it: ±2^32, ±2^62, INT64_MIN/MAX).
//
// The op must either throw an ember::Error or return the right answer. The
// oracle is PyTorch 1.13's rules written out plainly here: the result's shape,
// and its values where they are exact (copies, sums of small whole numbers);
// inputs PyTorch rejects must be rejected. ember may refuse some inputs PyTorch
// accepts (a documented subset, e.g. matmul's batch forms) — except where noted
// `must_work`. When the result requires grad, backward of its sum must run and
// give each input a gradient of its own shape.
#include <cmath>
#include <cstring>
#include <optional>
#include <set>

#include "ember.h"
#include "fuzz_util.h"

namespace {

using namespace ember;
using Dims = std::vector<int64_t>;

// Reads the input front to back; past the end every byte is 0.
struct Bytes {
  const uint8_t* data;
  size_t size, at = 0;
  uint8_t next() { return at < size ? data[at++] : 0; }
  bool flag() { return next() & 1; }
};

constexpr float kInf = std::numeric_limits<float>::infinity();

struct Made {
  Tensor t;
  bool tame = true;  // every value a small whole number: sums and products are exact
};

float value(Bytes& in, bool& tame) {
  uint8_t b = in.next();
  if (b < 208) return static_cast<float>(b % 9) - 4.0f;
  static const float odd[] = {0.5f,  -0.25f, 1e30f, -1e30f, kInf,        -kInf,  NAN,  1e-40f,
                              -0.0f, 3e38f,  1e-3f, -1.5f,  16777217.0f, 255.0f, 2.5f, -7.0f};
  tame = false;
  return odd[b % 16];
}

Shape shape(Bytes& in) {
  Shape s(in.next() % 5);
  for (int64_t& d : s) d = in.next() % 5;
  return s;
}

Made make(Bytes& in, const Shape& s, bool grad) {
  Made m;
  std::vector<float> v(static_cast<size_t>(numel_of(s)));
  for (float& x : v) x = value(in, m.tame);
  m.t = tensor(std::move(v), s, grad);
  return m;
}

// Index tensors: whole numbers mostly in range, sometimes not whole or not finite.
Tensor index_tensor(Bytes& in, const Shape& s) {
  std::vector<float> v(static_cast<size_t>(numel_of(s)));
  static const float odd[] = {-1.0f, 0.5f, NAN, kInf, -kInf, 1e30f, 2147483648.0f, -0.0f, 9.0f, 1e-40f};
  for (float& x : v) {
    uint8_t b = in.next();
    x = b < 200 ? static_cast<float>(b % 5) : odd[b % 10];
  }
  return tensor(std::move(v), s);
}

int64_t dim_arg(Bytes& in) {
  uint8_t b = in.next();
  if (b < 232) return static_cast<int64_t>(b % 11) - 5;
  static const int64_t odd[] = {INT64_MIN, INT64_MAX,        INT64_MIN + 1,       -6,
                                6,         int64_t{1} << 32, -(int64_t{1} << 32), int64_t{1} << 62};
  return odd[b % 8];
}

// Sizes that never allocate (reshape, narrow, split): may be huge.
int64_t size_arg(Bytes& in) {
  uint8_t b = in.next();
  if (b < 224) return static_cast<int64_t>(b % 8) - 2;
  static const int64_t odd[] = {
      INT64_MAX,        INT64_MIN,           int64_t{1} << 32, int64_t{1} << 31, (int64_t{1} << 62) + 1,
      int64_t{1} << 62, -(int64_t{1} << 62), int64_t{1} << 21};
  return odd[b % 8];
}

std::string show(const Dims& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

// --- PyTorch's rules ------------------------------------------------------------

std::optional<int64_t> wrap_dim(int64_t dim, int64_t rank) {
  int64_t r = std::max<int64_t>(rank, 1);
  if (dim < -r || dim >= r) return std::nullopt;
  return dim < 0 ? dim + r : dim;
}

std::optional<Shape> broadcast(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t sa = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t sb = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (sa != sb && sa != 1 && sb != 1) return std::nullopt;
    out[i] = sa == 1 ? sb : sa;
  }
  return out;
}

// Flat index into a tensor of shape `s` broadcast to `out`, for the position `flat` of `out`.
int64_t broadcast_index(const Shape& s, const Shape& out, int64_t flat) {
  int64_t index = 0, stride = 1;
  for (int64_t i = static_cast<int64_t>(out.size()) - 1, j = static_cast<int64_t>(s.size()) - 1; i >= 0;
       --i, --j) {
    int64_t coord = flat % out[i];
    flat /= out[i];
    if (j >= 0) {
      if (s[j] != 1) index += coord * stride;
      stride *= s[j];
    }
  }
  return index;
}

std::optional<Shape> matmul_shape(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) return std::nullopt;
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a, b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  if (a2.back() != b2[b2.size() - 2]) return std::nullopt;
  auto batch = broadcast(Shape(a2.begin(), a2.end() - 2), Shape(b2.begin(), b2.end() - 2));
  if (!batch) return std::nullopt;
  Shape out = *batch;
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) out.push_back(b2.back());
  return out;
}

bool same_bits(float a, float b) {
  return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

// --- running one op ----------------------------------------------------------------

struct Case {
  std::string what;            // the op and its arguments, for the report
  std::vector<Tensor> inputs;  // leaves that may require grad
};

// Runs `op`; `valid` says whether PyTorch accepts the input, `must_work` whether ember must too.
template <class Op>
void run(const Case& c, bool valid, bool must_work, Op op) {
  Tensor result;
  try {
    result = op();
  } catch (const Error& e) {
    FUZZ_CHECK(!must_work || !valid, "%s: threw for a valid input: %s", c.what.c_str(), e.what());
    FUZZ_CHECK(std::strlen(e.what()) > 0, "%s: an empty error message", c.what.c_str());
    return;
  }
  FUZZ_CHECK(valid, "%s: accepted an input PyTorch rejects (result %s)", c.what.c_str(),
             result.defined() ? shape_str(result.shape()).c_str() : "undefined");
  if (!result.defined() || !result.requires_grad()) return;
  try {
    result.sum().backward();
  } catch (const Error& e) {
    FUZZ_CHECK(false, "%s: backward threw: %s", c.what.c_str(), e.what());
  }
  for (const Tensor& x : c.inputs)
    if (x.requires_grad() && x.grad().defined())
      FUZZ_CHECK(x.grad().shape() == x.shape(), "%s: gradient %s for an input %s", c.what.c_str(),
                 shape_str(x.grad().shape()).c_str(), shape_str(x.shape()).c_str());
}

#define EXPECT_SHAPE(result, expected)                                                    \
  FUZZ_CHECK((result).shape() == (expected), "%s: shape %s, expected %s", c.what.c_str(), \
             shape_str((result).shape()).c_str(), shape_str(expected).c_str())

void binary(Bytes& in, Case& c, const Made& a, const Made& b) {
  const int kind = in.next() % 8;
  static const char* names[] = {"add", "sub", "mul", "div", "maximum", "pow", "gt", "where"};
  c.what = std::string(names[kind]) + " " + shape_str(a.t.shape()) + " " + shape_str(b.t.shape());
  auto expected = broadcast(a.t.shape(), b.t.shape());
  run(c, expected.has_value(), true, [&] {
    Tensor y;
    switch (kind) {
      case 0:
        y = a.t + b.t;
        break;
      case 1:
        y = a.t - b.t;
        break;
      case 2:
        y = a.t * b.t;
        break;
      case 3:
        y = a.t / b.t;
        break;
      case 4:
        y = maximum(a.t, b.t);
        break;
      case 5:
        y = pow(a.t, b.t);
        break;
      case 6:
        y = a.t > b.t;
        break;
      default:
        y = where(a.t > 0.0f, a.t, b.t);
        break;
    }
    EXPECT_SHAPE(y, *expected);
    if (kind <= 2)  // + − × are exact in float whatever the order: compare bit for bit
      for (int64_t i = 0; i < y.numel(); ++i) {
        float x = a.t.data()[broadcast_index(a.t.shape(), *expected, i)];
        float z = b.t.data()[broadcast_index(b.t.shape(), *expected, i)];
        float want = kind == 0 ? x + z : kind == 1 ? x - z : x * z;
        FUZZ_CHECK(same_bits(y.data()[i], want), "%s: element %lld is %g, expected %g", c.what.c_str(),
                   static_cast<long long>(i), y.data()[i], want);
      }
    return y;
  });
}

void matmul_case(Case& c, const Made& a, const Made& b) {
  c.what = "matmul " + shape_str(a.t.shape()) + " " + shape_str(b.t.shape());
  auto expected = matmul_shape(a.t.shape(), b.t.shape());
  run(c, expected.has_value(), false, [&] {
    Tensor y = matmul(a.t, b.t);
    EXPECT_SHAPE(y, *expected);
    if (a.tame && b.tame && a.t.dim() == 2 && b.t.dim() == 2) {
      int64_t m = a.t.size(0), k = a.t.size(1), n = b.t.size(1);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          float want = 0;
          for (int64_t l = 0; l < k; ++l) want += a.t.data()[i * k + l] * b.t.data()[l * n + j];
          FUZZ_CHECK(y.data()[i * n + j] == want, "%s: [%lld, %lld] is %g, expected %g", c.what.c_str(),
                     static_cast<long long>(i), static_cast<long long>(j), y.data()[i * n + j], want);
        }
    }
    return y;
  });
}

// sum / mean over a list of dims.
void reduce_dims(Bytes& in, Case& c, const Made& a) {
  const bool mean_op = in.flag(), keepdim = in.flag();
  Dims dims(in.next() % 4);
  for (int64_t& d : dims) d = dim_arg(in);
  c.what = std::string(mean_op ? "mean" : "sum") + " " + shape_str(a.t.shape()) + " dims " + show(dims) +
           (keepdim ? " keepdim" : "");
  const Shape& s = a.t.shape();
  const int64_t rank = a.t.dim();
  std::set<int64_t> reduced;
  bool valid = true;
  for (int64_t d : dims) {
    auto w = wrap_dim(d, rank);
    if (!w || !reduced.insert(*w).second) valid = false;
  }
  if (dims.empty())
    for (int64_t d = 0; d < rank; ++d) reduced.insert(d);
  Shape expected;
  for (int64_t d = 0; d < rank; ++d)
    if (!reduced.count(d))
      expected.push_back(s[d]);
    else if (keepdim)
      expected.push_back(1);
  run(c, valid, true, [&] {
    Tensor y = mean_op ? mean(a.t, dims, keepdim) : sum(a.t, dims, keepdim);
    EXPECT_SHAPE(y, expected);
    if (a.tame && rank > 0) {
      // Each output element: the sum over the reduced positions that map to it.
      std::vector<double> want(static_cast<size_t>(y.numel()), 0.0);
      Shape kept = s;
      for (int64_t d : reduced) kept[d] = 1;
      const int64_t count = reduced.empty() ? 1 : a.t.numel() / std::max<int64_t>(1, numel_of(kept));
      for (int64_t i = 0; i < a.t.numel(); ++i) {
        int64_t flat = i, out = 0, stride = 1;
        for (int64_t d = rank - 1; d >= 0; --d) {
          int64_t coord = flat % s[d];
          flat /= s[d];
          if (!reduced.count(d)) {
            out += coord * stride;
            stride *= s[d];
          }
        }
        want[out] += a.t.data()[i];
      }
      for (int64_t i = 0; i < y.numel(); ++i) {
        double w = mean_op ? (count == 0 ? NAN : want[i] / static_cast<double>(count)) : want[i];
        float got = y.data()[i];
        bool ok = std::isnan(w) ? std::isnan(got) : std::fabs(got - w) <= 1e-5 * std::max(1.0, std::fabs(w));
        FUZZ_CHECK(ok, "%s: element %lld is %g, expected %g", c.what.c_str(), static_cast<long long>(i), got,
                   w);
      }
    }
    return y;
  });
}

// max / min / argmax / logsumexp / softmax / log_softmax / glu along one dim.
void along_dim(Bytes& in, Case& c, const Made& a) {
  const int kind = in.next() % 8;
  const bool keepdim = in.flag();
  const int64_t dim = dim_arg(in);
  static const char* names[] = {"max",     "min",         "argmax", "logsumexp",
                                "softmax", "log_softmax", "glu",    "max_all"};
  c.what = std::string(names[kind]) + " " + shape_str(a.t.shape()) + " dim " + std::to_string(dim) +
           (keepdim ? " keepdim" : "");
  const Shape& s = a.t.shape();
  auto w = wrap_dim(dim, a.t.dim());
  bool valid = w.has_value();
  Shape expected = s;
  if (valid && a.t.dim() > 0) {
    const int64_t size = s[*w];
    if (kind <= 2 && size == 0) valid = false;  // no largest of nothing
    if (kind == 6 && size % 2 != 0) valid = false;
    if (kind <= 3) {
      if (keepdim)
        expected[*w] = 1;
      else
        expected.erase(expected.begin() + *w);
    }
    if (kind == 6) expected[*w] = size / 2;
  }
  if (kind == 6 && a.t.dim() == 0) valid = false;
  if (kind == 7) {
    valid = a.t.numel() > 0;
    expected = {};
  }
  run(c, valid, false, [&] {
    Tensor y;
    switch (kind) {
      case 0:
        y = max(a.t, dim, keepdim);
        break;
      case 1:
        y = min(a.t, dim, keepdim);
        break;
      case 2:
        y = argmax(a.t, dim, keepdim);
        break;
      case 3:
        y = logsumexp(a.t, dim, keepdim);
        break;
      case 4:
        y = F::softmax(a.t, dim);
        break;
      case 5:
        y = F::log_softmax(a.t, dim);
        break;
      case 6:
        y = F::glu(a.t, dim);
        break;
      default:
        y = max(a.t);
        break;
    }
    EXPECT_SHAPE(y, expected);
    if (kind == 7 && a.tame) {
      float want = -kInf;
      for (float v : a.t.to_vector()) want = std::max(want, v);
      FUZZ_CHECK(y.item() == want, "%s: %g, expected %g", c.what.c_str(), y.item(), want);
    }
    return y;
  });
}

void reshape_case(Bytes& in, Case& c, const Made& a) {
  Dims target(in.next() % 5);
  for (int64_t& d : target) d = size_arg(in);
  c.what = "reshape " + shape_str(a.t.shape()) + " to " + show(target);
  int infer = -1;
  bool valid = true;
  __int128 known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == -1) {
      if (infer >= 0) valid = false;
      infer = static_cast<int>(i);
    } else if (target[i] < 0) {
      valid = false;
    } else {
      // Saturates at 2^70, far above any numel; a zero size still makes it 0.
      const __int128 limit = __int128{1} << 70;
      if (target[i] == 0)
        known = 0;
      else
        known = known > limit / target[i] ? limit : known * target[i];
    }
  }
  Shape expected = target;
  const int64_t n = a.t.numel();
  // Known sizes whose product passes int64: PyTorch's own arithmetic overflows there; ember refuses.
  if (known > INT64_MAX) valid = false;
  if (valid && infer >= 0) {
    if (known == 0 || n % known != 0)
      valid = false;
    else
      expected[infer] = static_cast<int64_t>(n / known);
  } else if (valid && known != n) {
    valid = false;
  }
  run(c, valid, true, [&] {
    Tensor y = reshape(a.t, target);
    EXPECT_SHAPE(y, expected);
    for (int64_t i = 0; i < n; ++i)
      FUZZ_CHECK(same_bits(y.data()[i], a.t.data()[i]), "%s: values changed", c.what.c_str());
    return y;
  });
}

// transpose, permute, flatten, unsqueeze, squeeze, expand, narrow, split.
void shape_op(Bytes& in, Case& c, const Made& a) {
  const int kind = in.next() % 8;
  const Shape& s = a.t.shape();
  const int64_t rank = a.t.dim();
  switch (kind) {
    case 0: {
      int64_t d0 = dim_arg(in), d1 = dim_arg(in);
      c.what = "transpose " + shape_str(s) + " " + std::to_string(d0) + " " + std::to_string(d1);
      auto w0 = wrap_dim(d0, rank), w1 = wrap_dim(d1, rank);
      Shape expected = s;
      if (w0 && w1 && rank > 0) std::swap(expected[*w0], expected[*w1]);
      run(c, w0 && w1, true, [&] {
        Tensor y = transpose(a.t, d0, d1);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 1: {
      Dims dims(in.next() % 5);
      for (int64_t& d : dims) d = dim_arg(in);
      c.what = "permute " + shape_str(s) + " " + show(dims);
      bool valid = static_cast<int64_t>(dims.size()) == rank;
      std::set<int64_t> seen;
      Shape expected;
      for (int64_t d : dims) {
        auto w = wrap_dim(d, rank);
        if (!w || !seen.insert(*w).second) valid = false;
        if (w && rank > 0) expected.push_back(s[*w]);
      }
      run(c, valid, true, [&] {
        Tensor y = permute(a.t, dims);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 2: {
      int64_t start = dim_arg(in), end = dim_arg(in);
      c.what = "flatten " + shape_str(s) + " " + std::to_string(start) + " " + std::to_string(end);
      auto ws = wrap_dim(start, rank), we = wrap_dim(end, rank);
      bool valid = ws && we && *ws <= *we;
      Shape expected{1};
      if (valid && rank > 0) {
        expected.assign(s.begin(), s.begin() + *ws);
        int64_t merged = 1;
        for (int64_t d = *ws; d <= *we; ++d) merged *= s[d];
        expected.push_back(merged);
        expected.insert(expected.end(), s.begin() + *we + 1, s.end());
      }
      run(c, valid, true, [&] {
        Tensor y = flatten(a.t, start, end);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 3: {
      int64_t d = dim_arg(in);
      c.what = "unsqueeze " + shape_str(s) + " " + std::to_string(d);
      auto w = wrap_dim(d, rank + 1);
      Shape expected = s;
      if (w) expected.insert(expected.begin() + *w, 1);
      run(c, w.has_value(), true, [&] {
        Tensor y = unsqueeze(a.t, d);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 4: {
      int64_t d = dim_arg(in);
      c.what = "squeeze " + shape_str(s) + " " + std::to_string(d);
      auto w = wrap_dim(d, rank);
      Shape expected = s;
      if (w && rank > 0 && s[*w] == 1) expected.erase(expected.begin() + *w);
      run(c, w.has_value(), true, [&] {
        Tensor y = squeeze(a.t, d);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 5: {
      Shape target(in.next() % 5);
      for (int64_t& d : target) d = static_cast<int64_t>(in.next() % 6) - 1;  // -1 keeps a size
      c.what = "expand " + shape_str(s) + " to " + show(target);
      bool valid = target.size() >= s.size();
      Shape expected = target;
      for (size_t i = 0; valid && i < target.size(); ++i) {
        const size_t lead = target.size() - s.size();
        if (i < lead) {
          valid = target[i] >= 0;
          continue;
        }
        int64_t have = s[i - lead];
        if (target[i] == -1)
          expected[i] = have;
        else if (have != 1 && have != target[i])
          valid = false;
      }
      run(c, valid, false, [&] {
        Tensor y = expand(a.t, target);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 6: {
      int64_t d = dim_arg(in), start = size_arg(in), length = size_arg(in);
      c.what = "narrow " + shape_str(s) + " dim " + std::to_string(d) + " start " + std::to_string(start) +
               " length " + std::to_string(length);
      auto w = wrap_dim(d, rank);
      bool valid = w && rank > 0;
      Shape expected = s;
      if (valid) {
        const int64_t size = s[*w];
        __int128 first = start < 0 ? __int128{start} + size : start;
        valid = first >= 0 && length >= 0 && first + length <= size;
        expected[*w] = length;
      }
      run(c, valid, false, [&] {
        Tensor y = narrow(a.t, d, start, length);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    default: {
      int64_t size = size_arg(in), d = dim_arg(in);
      c.what = "split " + shape_str(s) + " size " + std::to_string(size) + " dim " + std::to_string(d);
      auto w = wrap_dim(d, rank);
      bool valid = w && rank > 0 && size >= 0 && (size > 0 || s[*w] == 0);
      run(c, valid, false, [&] {
        std::vector<Tensor> pieces = split(a.t, size, d);
        int64_t total = 0;
        for (const Tensor& p : pieces) {
          Shape expected = s;
          expected[*w] = p.shape()[*w];
          EXPECT_SHAPE(p, expected);
          FUZZ_CHECK(p.shape()[*w] <= size, "%s: a piece of %lld", c.what.c_str(),
                     static_cast<long long>(p.shape()[*w]));
          total += p.shape()[*w];
        }
        FUZZ_CHECK(total == s[*w], "%s: pieces cover %lld of %lld", c.what.c_str(),
                   static_cast<long long>(total), static_cast<long long>(s[*w]));
        return pieces.empty() ? Tensor() : pieces[0];
      });
    }
  }
}

void cat_stack(Bytes& in, Case& c, const std::vector<Made>& made) {
  const bool stack_op = in.flag();
  const int64_t dim = dim_arg(in);
  std::vector<Tensor> ts;
  c.what = std::string(stack_op ? "stack" : "cat") + " dim " + std::to_string(dim);
  for (const Made& m : made) {
    ts.push_back(m.t);
    c.what += " " + shape_str(m.t.shape());
  }
  const Shape& first = ts[0].shape();
  const int64_t rank = static_cast<int64_t>(first.size());
  bool valid = true;
  Shape expected = first;
  if (stack_op) {
    for (const Tensor& t : ts) valid = valid && t.shape() == first;
    auto w = wrap_dim(dim, rank + 1);
    valid = valid && w.has_value();
    if (valid) expected.insert(expected.begin() + *w, static_cast<int64_t>(ts.size()));
  } else {
    auto w = wrap_dim(dim, rank);
    valid = rank > 0 && w.has_value();
    if (valid) {
      expected[*w] = 0;
      for (const Tensor& t : ts) {
        bool fits = t.dim() == rank;
        for (int64_t d = 0; fits && d < rank; ++d) fits = d == *w || t.shape()[d] == first[d];
        valid = valid && fits;
        if (fits) expected[*w] += t.shape()[*w];
      }
    }
  }
  // PyTorch 1.13 skips 1-D empty tensors in cat (a legacy rule); ember need not.
  bool legacy = false;
  for (const Tensor& t : ts) legacy = legacy || t.shape() == Shape{0};
  run(c, valid || (legacy && !stack_op), !legacy, [&] {
    Tensor y = stack_op ? stack(ts, dim) : cat(ts, dim);
    if (!legacy) EXPECT_SHAPE(y, expected);
    return y;
  });
}

void indexing(Bytes& in, Case& c, const Made& a) {
  const int kind = in.next() % 3;
  const Shape& s = a.t.shape();
  if (kind == 0) {
    const int64_t dim = dim_arg(in);
    Shape is = s;
    auto w = wrap_dim(dim, a.t.dim());
    if (w && !is.empty() && in.flag()) is[*w] = in.next() % 5;  // a different length along dim
    if (in.next() < 32) is = shape(in);                         // or any shape
    Tensor index = index_tensor(in, is);
    c.what = "gather " + shape_str(s) + " dim " + std::to_string(dim) + " index " + index.to_string();
    bool valid = w && a.t.dim() > 0 && index.dim() == a.t.dim();
    for (int64_t d = 0; valid && d < a.t.dim(); ++d) valid = d == *w || is[d] <= s[d];
    for (int64_t k = 0; valid && k < index.numel(); ++k) {
      float v = index.data()[k];
      valid = v >= 0 && v < static_cast<float>(s[*w]) && v == std::floor(v);
    }
    run(c, valid, false, [&] {
      Tensor y = gather(a.t, dim, index);
      EXPECT_SHAPE(y, is);
      return y;
    });
  } else if (kind == 1) {
    Tensor index = index_tensor(in, {static_cast<int64_t>(in.next() % 5)});
    const int64_t classes = static_cast<int64_t>(in.next() % 8) - 1;
    c.what = "one_hot " + index.to_string() + " classes " + std::to_string(classes);
    bool valid = classes > 0;
    for (float v : index.to_vector()) valid = valid && v >= 0 && v < classes && v == std::floor(v);
    run(c, valid, false, [&] {
      Tensor y = one_hot(index, classes);
      EXPECT_SHAPE(y, Shape({index.numel(), classes}));
      for (int64_t i = 0; i < index.numel(); ++i)
        FUZZ_CHECK(y.data()[i * classes + static_cast<int64_t>(index.data()[i])] == 1.0f, "%s",
                   c.what.c_str());
      return y;
    });
  } else {
    Tensor index = index_tensor(in, {static_cast<int64_t>(in.next() % 5)});
    c.what = "index_select " + shape_str(s) + " index " + index.to_string();
    bool valid = a.t.dim() > 0;
    for (float v : index.to_vector())
      valid = valid && v >= 0 && v < static_cast<float>(s[0]) && v == std::floor(v);
    Shape expected = s;
    if (!expected.empty()) expected[0] = index.numel();
    run(c, valid, false, [&] {
      Tensor y = index_select(a.t, index);
      EXPECT_SHAPE(y, expected);
      return y;
    });
  }
}

// cross_entropy and nll_loss with class indices or probabilities; the elementwise losses.
void losses(Bytes& in, Case& c, const Made& a, const Made& b) {
  const int kind = in.next() % 6;
  static const char* reductions[] = {"mean", "sum", "none", "avg"};
  const std::string reduction = reductions[in.next() % 4];
  static const float params[] = {0.0f, 0.1f, 1.0f, -0.5f, 1.5f, NAN, 0.5f, kInf};
  const float param = params[in.next() % 8];
  const Shape& s = a.t.shape();
  const bool reduces = reduction != "none";
  if (kind <= 1) {
    // Class targets: logits' shape without dim 1 ([C] logits take a [] target); sometimes any shape.
    Shape ts = s.size() == 1 ? Shape{} : s;
    if (s.size() >= 2) ts.erase(ts.begin() + 1);
    const Shape index_shape = in.next() < 40 ? shape(in) : ts;
    // Targets are floats either way: ember tells probabilities from class indices by shape.
    Tensor target = in.next() < 64 ? b.t : index_tensor(in, index_shape);
    const bool probabilities = target.shape() == s;
    c.what = std::string(kind == 0 ? "cross_entropy " : "nll_loss ") + shape_str(s) + " target " +
             (probabilities ? shape_str(target.shape()) : target.to_string()) + " " + reduction +
             (kind == 0 ? " smoothing " + std::to_string(param) : "");
    c.inputs.push_back(b.t);
    bool valid = reduction != "avg" && !s.empty() && (kind == 1 || (param >= 0 && param <= 1));
    Shape expected;
    if (probabilities) {
      valid = valid && kind == 0;
      if (!reduces) expected = ts;
    } else {
      const int64_t classes = s.size() == 1 ? (s.empty() ? 0 : s[0]) : (s.size() >= 2 ? s[1] : 0);
      valid = valid && target.shape() == ts;
      for (float v : target.to_vector()) valid = valid && v >= 0 && v < classes && v == std::floor(v);
      if (!reduces) expected = ts;
    }
    run(c, valid, false, [&] {
      Tensor y =
          kind == 0 ? F::cross_entropy(a.t, target, reduction, param) : F::nll_loss(a.t, target, reduction);
      EXPECT_SHAPE(y, expected);
      // The loss from its definition, for [N, C] logits and class targets without smoothing.
      if (kind == 0 && a.tame && !probabilities && s.size() == 2 && param == 0.0f && s[0] > 0) {
        double total = 0;
        for (int64_t i = 0; i < s[0]; ++i) {
          double lse = 0;
          for (int64_t j = 0; j < s[1]; ++j) lse += std::exp(static_cast<double>(a.t.data()[i * s[1] + j]));
          double loss = std::log(lse) - a.t.data()[i * s[1] + static_cast<int64_t>(target.data()[i])];
          total += loss;
          if (!reduces)
            FUZZ_CHECK(std::fabs(y.data()[i] - loss) <= 1e-5 * std::max(1.0, loss),
                       "%s: sample %lld: %g, expected %g", c.what.c_str(), static_cast<long long>(i),
                       y.data()[i], loss);
        }
        double want = reduction == "mean" ? total / static_cast<double>(s[0]) : total;
        if (reduces)
          FUZZ_CHECK(std::fabs(y.item() - want) <= 1e-5 * std::max(1.0, want), "%s: %g, expected %g",
                     c.what.c_str(), y.item(), want);
      }
      return y;
    });
    return;
  }
  static const char* names[] = {"", "", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy"};
  c.what = std::string(names[kind]) + " " + shape_str(s) + " " + shape_str(b.t.shape()) + " " + reduction +
           " param " + std::to_string(param);
  c.inputs.push_back(b.t);
  // ember refuses to broadcast a loss's input and target (PyTorch warns): same shape or an Error.
  bool valid = reduction != "avg" && broadcast(s, b.t.shape()).has_value();
  if (kind == 3) valid = valid && param >= 0;
  if (kind == 4) valid = valid && param > 0;
  if (kind == 5)
    for (float v : a.t.to_vector()) valid = valid && v >= 0 && v <= 1;
  run(c, valid, false, [&] {
    Tensor y;
    switch (kind) {
      case 2:
        y = F::mse_loss(a.t, b.t, reduction);
        break;
      case 3:
        y = F::smooth_l1_loss(a.t, b.t, reduction, param);
        break;
      case 4:
        y = F::huber_loss(a.t, b.t, reduction, param);
        break;
      default:
        y = F::binary_cross_entropy(a.t, b.t, reduction);
        break;
    }
    EXPECT_SHAPE(y, reduces ? Shape{} : s);
    return y;
  });
}

// Linear layers: F::linear, nn::Linear, F::bilinear, F::prelu, F::dropout.
void layers(Bytes& in, Case& c, const Made& a, const Made& b, const Made& w) {
  const int kind = in.next() % 5;
  const Shape& s = a.t.shape();
  c.inputs.push_back(b.t);
  c.inputs.push_back(w.t);
  switch (kind) {
    case 0: {  // linear(x, weight [out, in], bias [out])
      const bool with_bias = in.flag();
      c.what = "linear x " + shape_str(s) + " weight " + shape_str(b.t.shape()) +
               (with_bias ? " bias " + shape_str(w.t.shape()) : "");
      const Shape& ws = b.t.shape();
      bool valid = !s.empty() && ws.size() == 2 && ws[1] == s.back();
      Shape expected = s;
      if (valid) expected.back() = ws[0];
      if (valid && with_bias) valid = broadcast(expected, w.t.shape()) == expected;
      run(c, valid, false, [&] {
        Tensor y = F::linear(a.t, b.t, with_bias ? w.t : Tensor());
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 1: {
      const int64_t in_features = in.next() % 5, out_features = in.next() % 5;
      c.what = "nn::Linear(" + std::to_string(in_features) + ", " + std::to_string(out_features) + ") on " +
               shape_str(s);
      nn::Linear layer(in_features, out_features);
      bool valid = !s.empty() && s.back() == in_features;
      Shape expected = s;
      if (valid) expected.back() = out_features;
      run(c, valid, false, [&] {
        Tensor y = layer(a.t);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 2: {
      c.what =
          "bilinear " + shape_str(s) + " " + shape_str(b.t.shape()) + " weight " + shape_str(w.t.shape());
      const Shape& s2 = b.t.shape();
      const Shape& ws = w.t.shape();
      bool valid = !s.empty() && !s2.empty() && ws.size() == 3 && ws[1] == s.back() && ws[2] == s2.back() &&
                   Shape(s.begin(), s.end() - 1) == Shape(s2.begin(), s2.end() - 1);
      Shape expected = s;
      if (valid) expected.back() = ws[0];
      run(c, valid, false, [&] {
        Tensor y = F::bilinear(a.t, b.t, w.t);
        EXPECT_SHAPE(y, expected);
        return y;
      });
      break;
    }
    case 3: {
      c.what = "prelu " + shape_str(s) + " weight " + shape_str(b.t.shape());
      run(c, true, false, [&] {
        Tensor y = F::prelu(a.t, b.t);
        EXPECT_SHAPE(y, s);
        return y;
      });
      break;
    }
    default: {
      static const float ps[] = {0.0f, 0.5f, 1.0f, -0.1f, 1.1f, NAN};
      const float p = ps[in.next() % 6];
      const bool training = in.flag();
      c.what = "dropout " + shape_str(s) + " p " + std::to_string(p) + (training ? " training" : "");
      run(c, p >= 0 && p <= 1, false, [&] {
        Tensor y = F::dropout(a.t, p, training);
        EXPECT_SHAPE(y, s);
        if (p == 1.0f && training)  // PyTorch returns x * 0: zeros, and NaN where x is not finite
          for (int64_t i = 0; i < y.numel(); ++i) {
            const float v = y.data()[i], want = a.t.data()[i] * 0.0f;
            FUZZ_CHECK(std::isnan(want) ? std::isnan(v) : v == 0.0f, "%s: %g kept", c.what.c_str(), v);
          }
        return y;
      });
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  set_num_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in{data, size};
  const int family = in.next() % 10;
  const bool grad = in.flag();
  std::vector<Made> made;
  const int count = 1 + in.next() % 3;
  for (int i = 0; i < count; ++i) made.push_back(make(in, shape(in), grad));
  while (made.size() < 3) made.push_back(make(in, shape(in), grad));  // b, w for the ops that need them
  Case c;
  c.inputs.push_back(made[0].t);
  switch (family) {
    case 0:
      c.inputs.push_back(made[1].t);
      binary(in, c, made[0], made[1]);
      break;
    case 1:
      c.inputs.push_back(made[1].t);
      matmul_case(c, made[0], made[1]);
      break;
    case 2:
      reduce_dims(in, c, made[0]);
      break;
    case 3:
      along_dim(in, c, made[0]);
      break;
    case 4:
      reshape_case(in, c, made[0]);
      break;
    case 5:
      shape_op(in, c, made[0]);
      break;
    case 6: {
      for (int i = 1; i < count; ++i) c.inputs.push_back(made[i].t);
      cat_stack(in, c, std::vector<Made>(made.begin(), made.begin() + count));
      break;
    }
    case 7:
      indexing(in, c, made[0]);
      break;
    case 8:
      losses(in, c, made[0], made[1]);
      break;
    default:
      layers(in, c, made[0], made[1], made[2]);
      break;
  }
  return 0;
}
