// Fuzzes the public API the way a careless user would call it: the input's
// bytes decode into a sequence of up to 8 calls — tensor ops, activations with
// their options, losses, init functions, module constructors (then a forward),
// optimizers (construction and a few steps), schedulers and the data helpers
// (toy generators, subset, train_test_split, DataLoader, permutation, hand-made
// Datasets with odd tensors) — over a small pool of tensors that the calls read
// and replace, so that results feed later calls.
//
// Arguments come from lists of trouble: floats {NaN, ±inf, 0, −0, −1, tiny,
// denormal, huge, 2^62, ordinary}, sizes and dims {0, small, −1, 2^32, 2^62,
// INT64_MAX, INT64_MIN}. The oracle, for every call:
//  - it returns, or throws ember::Error whose message names the function called
//    (any other exception, a signal or a sanitizer report is a finding);
//  - a NaN option is always an error (docs/errors.md): a call given one must throw;
//  - what is checkable cheaply is checked: elementwise activations keep the shape,
//    uniform_ stays in [a, b] and finite, a DataLoader's batches hold every sample once.
//
// Allocation stays bounded: a size whose element count ember must refuse
// (overflow, more bytes than int64) is passed on, but one ember would accept
// and allocate for real (say 2^32 × 5 floats) is skipped here (`too_big`).
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <typeinfo>
#include <vector>

#include "ember.h"
#include "fuzz_util.h"

namespace {

using namespace ember;

struct Bytes {
  const uint8_t* data;
  size_t size, at = 0;
  uint8_t next() { return at < size ? data[at++] : 0; }
  bool flag() { return next() & 1; }
  bool done() const { return at >= size; }
};

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr int64_t kMaxElements = int64_t{1} << 16;  // what the fuzzer lets ember allocate for a tensor

// A float option: mostly ordinary, often trouble.
float option(Bytes& in) {
  static const float values[] = {0.0f,   1.0f,   0.5f,   -1.0f,  2.0f,
                                 0.01f,  NAN,    kInf,   -kInf,  -0.0f,
                                 1e-45f, 1e-38f, 3e38f,  -3e38f, 4.6116860e18f /* 2^62 */,
                                 0.25f,  0.9f,   0.99f,  -0.5f,  20.0f,
                                 1e-8f,  100.0f, -20.0f, 1.5f};
  return values[in.next() % (sizeof values / sizeof values[0])];
}

// A double option for init and schedulers: also values finite in double but not in float.
double doption(Bytes& in) {
  uint8_t b = in.next();
  if (b % 4 == 0) {
    static const double wide[] = {1e39, -1e39, 1e300, -3e38, 3e38, 1e-320, 0.1, -0.1};
    return wide[(b / 4) % 8];
  }
  return option(in);
}

// A size: small most of the time, then the sizes that must be refused.
int64_t size_arg(Bytes& in) {
  uint8_t b = in.next();
  if (b < 192) return b % 6;
  static const int64_t odd[] = {
      -1, int64_t{1} << 32, int64_t{1} << 62, INT64_MAX, INT64_MIN, -(int64_t{1} << 62), 40, 17};
  return odd[b % 8];
}

int64_t dim_arg(Bytes& in) {
  uint8_t b = in.next();
  if (b < 224) return static_cast<int64_t>(b % 9) - 4;
  static const int64_t odd[] = {INT64_MIN, INT64_MAX, int64_t{1} << 32, -(int64_t{1} << 32)};
  return odd[b % 4];
}

std::string reduction(Bytes& in) {
  static const char* names[] = {"mean", "sum", "none", "avg", ""};
  return names[in.next() % 5];
}

// True when ember would accept these sizes and allocate more than the fuzzer allows:
// the call is skipped. Negative sizes and products past int64 go through (ember must refuse them).
bool too_big(std::initializer_list<int64_t> sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) {
    if (s <= 0) return false;
    if (__builtin_mul_overflow(n, s, &n) || n > INT64_MAX / 4) return false;
  }
  return n > kMaxElements;
}

Tensor small_tensor(Bytes& in, bool grad) {
  Shape s(in.next() % 4);
  for (int64_t& d : s) d = in.next() % 4;
  std::vector<float> v(static_cast<size_t>(numel_of(s)));
  for (float& x : v) {
    uint8_t b = in.next();
    x = b < 200 ? static_cast<float>(b % 7) - 3.0f : option(in);
  }
  return tensor(std::move(v), s, grad);
}

// --- the oracle ---------------------------------------------------------------------------------

// Runs one call. `names` are the function's names a message may start with (the
// call itself, and the functional a module forwards to). An ember::Error must
// name one of them; `must_throw` (a NaN option) means returning is a finding.
void call(const char* what, std::initializer_list<const char*> names, bool must_throw,
          const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    std::string message = e.what();
    bool named = false;
    for (const char* n : names) named = named || message.find(n) != std::string::npos;
    FUZZ_CHECK(named, "%s threw an ember::Error that does not name it: \"%s\"", what, message.c_str());
    return;
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, "%s threw %s (not ember::Error): %s", what, typeid(e).name(), e.what());
  }
  FUZZ_CHECK(!must_throw, "%s returned although an option was NaN", what);
}

bool any_nan(std::initializer_list<double> values) {
  for (double v : values)
    if (std::isnan(v)) return true;
  return false;
}

struct State {
  std::vector<Tensor> pool;
  data::Dataset dataset;
};

Tensor& pick(Bytes& in, State& s) { return s.pool[in.next() % s.pool.size()]; }

// Keeps a result for later calls when it is small enough — in every dim, too: a
// [2^32, 0] tensor holds nothing, but a Linear layer would legitimately turn it
// into [2^32, 9] (144 GB), which ember must allocate, not refuse.
void keep(Bytes& in, State& s, const Tensor& t) {
  if (!t.defined() || t.numel() > kMaxElements) return;
  for (int64_t d : t.shape())
    if (d > 64) return;
  pick(in, s) = t.requires_grad() ? t : t.detach();
}

// --- tensor ops ---------------------------------------------------------------------------------

void tensor_op(Bytes& in, State& s) {
  Tensor x = pick(in, s), y = pick(in, s);
  switch (in.next() % 9) {
    case 0:
      call("matmul", {"matmul"}, false, [&] { keep(in, s, matmul(x, y)); });
      break;
    case 1: {
      int64_t dim = dim_arg(in), start = in.flag() ? dim_arg(in) : size_arg(in), length = size_arg(in);
      call("narrow", {"narrow"}, false, [&] { keep(in, s, narrow(x, dim, start, length)); });
      break;
    }
    case 2:
      call("index_select", {"index_select"}, false, [&] { keep(in, s, index_select(x, y)); });
      break;
    case 3: {
      int64_t dim = dim_arg(in);
      call("gather", {"gather"}, false, [&] { keep(in, s, gather(x, dim, y)); });
      break;
    }
    case 4: {
      float lo = option(in), hi = option(in);
      call("clamp", {"clamp"}, any_nan({lo, hi}), [&] {
        Tensor r = clamp(x, lo, hi);
        FUZZ_CHECK(r.shape() == x.shape(), "clamp changed the shape");
        for (float v : r.to_vector())
          FUZZ_CHECK(std::isnan(v) || (v >= lo && v <= hi), "clamp: %g outside", v);
        keep(in, s, r);
      });
      break;
    }
    case 5: {
      float b = option(in);
      bool max_side = in.flag();
      call(max_side ? "clamp_max" : "clamp_min", {max_side ? "clamp_max" : "clamp_min"}, std::isnan(b),
           [&] { keep(in, s, max_side ? clamp_max(x, b) : clamp_min(x, b)); });
      break;
    }
    case 6: {
      int64_t n = size_arg(in);
      if (too_big({x.numel(), n})) return;
      call("one_hot", {"one_hot"}, false, [&] { keep(in, s, one_hot(x, n)); });
      break;
    }
    case 7: {
      Shape shape{size_arg(in), size_arg(in)};
      call("reshape", {"reshape"}, false, [&] { keep(in, s, reshape(x, shape)); });
      break;
    }
    default: {
      Shape shape{size_arg(in), size_arg(in)};
      if (too_big({shape[0], shape[1]})) return;
      float v = option(in);
      call("full", {"empty", "full"}, false, [&] { keep(in, s, full(shape, v)); });
      break;
    }
  }
}

// --- activations --------------------------------------------------------------------------------

void activation(Bytes& in, State& s) {
  Tensor x = pick(in, s);
  float a = option(in), b = option(in);
  // Elementwise activations with options: the functional, or the module built with them.
  auto elementwise = [&](const char* fn, const char* module, bool nan_is_error,
                         const std::function<Tensor()>& functional,
                         const std::function<Tensor()>& as_module) {
    bool use_module = in.flag();
    call(use_module ? module : fn, {fn, module}, nan_is_error, [&] {
      Tensor y = use_module ? as_module() : functional();
      FUZZ_CHECK(y.shape() == x.shape(), "%s changed the shape", fn);
      keep(in, s, y);
    });
  };
  switch (in.next() % 16) {
    case 0:
      elementwise(
          "leaky_relu", "LeakyReLU", std::isnan(a), [&] { return F::leaky_relu(x, a); },
          [&] { return nn::LeakyReLU(a)(x); });
      break;
    case 1:
      elementwise(
          "elu", "ELU", std::isnan(a), [&] { return F::elu(x, a); }, [&] { return nn::ELU(a)(x); });
      break;
    case 2:
      elementwise(
          "celu", "CELU", std::isnan(a), [&] { return F::celu(x, a); }, [&] { return nn::CELU(a)(x); });
      break;
    case 3:
      elementwise(
          "softplus", "Softplus", any_nan({a, b}), [&] { return F::softplus(x, a, b); },
          [&] { return nn::Softplus(a, b)(x); });
      break;
    case 4:
      elementwise(
          "hardtanh", "Hardtanh", any_nan({a, b}), [&] { return F::hardtanh(x, a, b); },
          [&] { return nn::Hardtanh(a, b)(x); });
      break;
    case 5:
      elementwise(
          "hardshrink", "Hardshrink", std::isnan(a), [&] { return F::hardshrink(x, a); },
          [&] { return nn::Hardshrink(a)(x); });
      break;
    case 6:
      elementwise(
          "softshrink", "Softshrink", std::isnan(a), [&] { return F::softshrink(x, a); },
          [&] { return nn::Softshrink(a)(x); });
      break;
    case 7:
      elementwise(
          "threshold", "Threshold", any_nan({a, b}), [&] { return F::threshold(x, a, b); },
          [&] { return nn::Threshold(a, b)(x); });
      break;
    case 8: {
      bool training = in.flag();
      elementwise(
          "rrelu", "RReLU", any_nan({a, b}), [&] { return F::rrelu(x, a, b, training); },
          [&] {
            nn::RReLU m(a, b);
            m.train(training);
            return m(x);
          });
      break;
    }
    case 9: {
      bool training = in.flag();
      elementwise(
          "dropout", "Dropout", std::isnan(a), [&] { return F::dropout(x, a, training); },
          [&] {
            nn::Dropout m(a);
            m.train(training);
            return m(x);
          });
      break;
    }
    case 10: {
      static const char* approx[] = {"none", "tanh", "fast"};
      std::string ap = approx[in.next() % 3];
      elementwise(
          "gelu", "GELU", false, [&] { return F::gelu(x, ap); }, [&] { return nn::GELU(ap)(x); });
      break;
    }
    case 11: {
      int64_t dim = dim_arg(in);
      switch (in.next() % 4) {
        case 0:
          call("softmax", {"softmax", "Softmax"}, false, [&] { keep(in, s, nn::Softmax(dim)(x)); });
          break;
        case 1:
          call("log_softmax", {"log_softmax"}, false, [&] { keep(in, s, F::log_softmax(x, dim)); });
          break;
        case 2:
          call("softmin", {"softmin", "softmax"}, false, [&] { keep(in, s, F::softmin(x, dim)); });
          break;
        default:
          call("glu", {"glu", "GLU"}, false, [&] { keep(in, s, nn::GLU(dim)(x)); });
      }
      break;
    }
    case 12: {
      int64_t n = size_arg(in);
      if (too_big({n})) return;
      call("PReLU", {"PReLU", "prelu"}, std::isnan(a), [&] { keep(in, s, nn::PReLU(n, a)(x)); });
      break;
    }
    case 13:
      call("Swish", {"Swish", "swish"}, std::isnan(a), [&] { keep(in, s, nn::Swish(a)(x)); });
      break;
    case 14: {
      int64_t i = size_arg(in), o = size_arg(in), p = size_arg(in);
      int64_t rows = 0;
      if (!__builtin_mul_overflow(o, p, &rows) && (too_big({rows, i}) || too_big({rows}))) return;
      call("Maxout", {"Maxout"}, false, [&] { keep(in, s, nn::Maxout(i, o, p)(x)); });
      break;
    }
    default: {
      Tensor w = pick(in, s);
      call("prelu", {"prelu"}, false, [&] { keep(in, s, F::prelu(x, w)); });
      break;
    }
  }
}

// --- losses -------------------------------------------------------------------------------------

void loss(Bytes& in, State& s) {
  Tensor x = pick(in, s), t = pick(in, s);
  std::string r = reduction(in);
  float o = option(in);
  bool use_module = in.flag();
  switch (in.next() % 8) {
    case 0:
      call("mse_loss", {"mse_loss", "MSELoss"}, false,
           [&] { keep(in, s, use_module ? nn::MSELoss(r)(x, t) : F::mse_loss(x, t, r)); });
      break;
    case 1:
      call("l1_loss", {"l1_loss", "L1Loss"}, false,
           [&] { keep(in, s, use_module ? nn::L1Loss(r)(x, t) : F::l1_loss(x, t, r)); });
      break;
    case 2:
      call("smooth_l1_loss", {"smooth_l1_loss", "SmoothL1Loss", "l1_loss"}, std::isnan(o),
           [&] { keep(in, s, use_module ? nn::SmoothL1Loss(r, o)(x, t) : F::smooth_l1_loss(x, t, r, o)); });
      break;
    case 3:
      call("huber_loss", {"huber_loss", "HuberLoss"}, std::isnan(o),
           [&] { keep(in, s, use_module ? nn::HuberLoss(r, o)(x, t) : F::huber_loss(x, t, r, o)); });
      break;
    case 4:
      call("cross_entropy", {"cross_entropy", "CrossEntropyLoss"}, std::isnan(o), [&] {
        keep(in, s, use_module ? nn::CrossEntropyLoss(r, o)(x, t) : F::cross_entropy(x, t, r, o));
      });
      break;
    case 5:
      call("nll_loss", {"nll_loss", "NLLLoss"}, false,
           [&] { keep(in, s, use_module ? nn::NLLLoss(r)(x, t) : F::nll_loss(x, t, r)); });
      break;
    case 6:
      call("binary_cross_entropy", {"binary_cross_entropy", "BCELoss"}, false,
           [&] { keep(in, s, use_module ? nn::BCELoss(r)(x, t) : F::binary_cross_entropy(x, t, r)); });
      break;
    default:
      call("binary_cross_entropy_with_logits", {"binary_cross_entropy_with_logits", "BCEWithLogitsLoss"},
           false, [&] {
             keep(in, s,
                  use_module ? nn::BCEWithLogitsLoss(r)(x, t) : F::binary_cross_entropy_with_logits(x, t, r));
           });
  }
}

// --- init -------------------------------------------------------------------------------------

void init(Bytes& in, State& s) {
  Tensor t = pick(in, s).detach();
  double a = doption(in), b = doption(in);
  static const char* modes[] = {"fan_in", "fan_out", "fan_avg"};
  static const char* gains[] = {"leaky_relu", "relu", "tanh", "selu", "swish"};
  std::string mode = modes[in.next() % 3], nonlinearity = gains[in.next() % 5];
  auto all_finite = [&](const char* fn) {
    for (float v : t.to_vector()) FUZZ_CHECK(std::isfinite(v), "%s wrote %g", fn, v);
  };
  switch (in.next() % 8) {
    case 0:
      call("uniform_", {"uniform_"}, any_nan({a, b}), [&] {
        nn::init::uniform_(t, a, b);
        all_finite("uniform_");
        for (float v : t.to_vector())
          FUZZ_CHECK(v >= static_cast<float>(a) && v <= static_cast<float>(b), "uniform_(%g, %g) wrote %g", a,
                     b, v);
      });
      break;
    case 1:
      call("normal_", {"normal_"}, any_nan({a, b}), [&] { nn::init::normal_(t, a, b); });
      break;
    case 2:
      call("constant_", {"constant_"}, std::isnan(a), [&] { nn::init::constant_(t, a); });
      break;
    case 3:
      call("xavier_uniform_", {"xavier_uniform_", "init:"}, std::isnan(a), [&] {
        nn::init::xavier_uniform_(t, a);
        all_finite("xavier_uniform_");
      });
      break;
    case 4:
      call("xavier_normal_", {"xavier_normal_", "init:"}, std::isnan(a),
           [&] { nn::init::xavier_normal_(t, a); });
      break;
    case 5:
      call("kaiming_uniform_", {"kaiming_uniform_", "init:", "calculate_gain"}, std::isnan(a), [&] {
        nn::init::kaiming_uniform_(t, a, mode, nonlinearity);
        all_finite("kaiming_uniform_");
      });
      break;
    case 6:
      call("kaiming_normal_", {"kaiming_normal_", "init:", "calculate_gain"}, std::isnan(a),
           [&] { nn::init::kaiming_normal_(t, a, mode, nonlinearity); });
      break;
    default:
      call("calculate_gain", {"calculate_gain"}, std::isnan(a) && nonlinearity == "leaky_relu",
           [&] { nn::init::calculate_gain(nonlinearity, a); });
  }
}

// --- module constructors and a forward -----------------------------------------------------------

void module(Bytes& in, State& s) {
  Tensor x = pick(in, s), x2 = pick(in, s);
  int64_t a = size_arg(in), b = size_arg(in), c = size_arg(in);
  bool bias = in.flag();
  switch (in.next() % 4) {
    case 0:
      if (too_big({a, b}) || too_big({b})) return;  // weight [b, a], bias [b]
      call("Linear", {"Linear", "linear"}, false, [&] {
        nn::Linear m(a, b, bias);
        keep(in, s, m(x));
      });
      break;
    case 1:
      if (too_big({a, b, c}) || too_big({c})) return;  // weight [c, a, b], bias [c]
      call("Bilinear", {"Bilinear", "bilinear"}, false, [&] {
        nn::Bilinear m(a, b, c, bias);
        keep(in, s, m(x, x2));
      });
      break;
    case 2: {
      int64_t start = dim_arg(in), end = dim_arg(in);
      call("Flatten", {"Flatten", "flatten"}, false, [&] { keep(in, s, nn::Flatten(start, end)(x)); });
      break;
    }
    default:
      call("F::linear", {"linear"}, false,
           [&] { keep(in, s, F::linear(x, x2, bias ? pick(in, s) : Tensor())); });
  }
}

// --- optimizers and schedulers ---------------------------------------------------------------------

void optimizer(Bytes& in, State& s) {
  Tensor p = pick(in, s).detach().clone().requires_grad_();
  float lr = option(in), o1 = option(in), o2 = option(in), o3 = option(in), o4 = option(in);
  bool f1 = in.flag(), f2 = in.flag();
  const int kind = in.next() % 5;
  const int steps = in.next() % 4;
  const int sched = in.next() % 6;
  double g = doption(in);
  int64_t n = size_arg(in);
  static const char* names[] = {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad"};
  static const char* sched_names[] = {
      "", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"};
  // SGD takes four options, the others five; a scheduler adds g.
  bool nan = any_nan({lr, o1, o2, o3}) || (kind != 0 && std::isnan(o4)) || (sched && std::isnan(g));
  call(names[kind], {names[kind], sched_names[sched]}, nan, [&] {
    std::unique_ptr<optim::Optimizer> opt;
    switch (kind) {
      case 0:
        opt = std::make_unique<optim::SGD>(std::vector<Tensor>{p}, optim::SGDOptions{.lr = lr,
                                                                                     .momentum = o1,
                                                                                     .dampening = o2,
                                                                                     .weight_decay = o3,
                                                                                     .nesterov = f1,
                                                                                     .maximize = f2});
        break;
      case 1:
      case 2:
        if (kind == 1)
          opt = std::make_unique<optim::Adam>(std::vector<Tensor>{p},
                                              optim::AdamOptions{lr, o1, o2, o3, o4, f1, f2});
        else
          opt = std::make_unique<optim::AdamW>(std::vector<Tensor>{p},
                                               optim::AdamWOptions{lr, o1, o2, o3, o4, f1, f2});
        break;
      case 3:
        opt =
            std::make_unique<optim::RMSprop>(std::vector<Tensor>{p}, optim::RMSpropOptions{.lr = lr,
                                                                                           .alpha = o1,
                                                                                           .eps = o2,
                                                                                           .weight_decay = o3,
                                                                                           .momentum = o4,
                                                                                           .centered = f1,
                                                                                           .maximize = f2});
        break;
      default:
        opt = std::make_unique<optim::Adagrad>(std::vector<Tensor>{p},
                                               optim::AdagradOptions{lr, o1, o2, o3, o4, f1});
    }
    std::unique_ptr<optim::LRScheduler> scheduler;
    switch (sched) {
      case 1:
        scheduler = std::make_unique<optim::StepLR>(*opt, n, g);
        break;
      case 2:
        scheduler = std::make_unique<optim::MultiStepLR>(*opt, std::vector<int64_t>{n, 2, 1}, g);
        break;
      case 3:
        scheduler = std::make_unique<optim::ExponentialLR>(*opt, g);
        break;
      case 4:
        scheduler = std::make_unique<optim::CosineAnnealingLR>(*opt, n, g);
        break;
      case 5:
        scheduler = std::make_unique<optim::LinearLR>(*opt, g, 1.0, n);
        break;
      default:
        break;
    }
    for (int i = 0; i < steps; ++i) {
      p.set_grad(full(p.shape(), 0.5f * static_cast<float>(i + 1)));
      opt->step();
      if (scheduler) scheduler->step();
    }
  });
}

// --- data helpers -----------------------------------------------------------------------------------

// A Dataset made by hand from pool tensors: any ranks, any rows, any num_classes.
data::Dataset odd_dataset(Bytes& in, State& s) {
  static const int64_t classes[] = {0, 2, 3, -1};
  data::Dataset d{"odd", pick(in, s).detach(), pick(in, s).detach(), {}, classes[in.next() % 4]};
  if (in.flag() && d.num_classes > 0)
    for (int64_t i = 0; i < d.num_classes; ++i) d.class_names.push_back("c" + std::to_string(i));
  return d;
}

void data_helper(Bytes& in, State& s) {
  int64_t n = in.flag() ? 1 + in.next() % 40 : size_arg(in);
  if (n > 40 && n <= data::max_samples) return;  // ember would generate it: keep the fuzzer small
  float noise = option(in);
  uint64_t seed = in.next();
  switch (in.next() % 8) {
    case 0: {
      static const char* tasks[] = {"spirals",      "moons", "circles", "xor",
                                    "checkerboard", "sine",  "abs",     "spiral"};
      std::string task = tasks[in.next() % 8];
      int64_t arms = size_arg(in);
      if (arms > 64 && arms <= (int64_t{1} << 16)) return;
      data::ToyOptions o{.n = n, .noise = noise, .seed = seed, .arms = arms, .cells = arms};
      call("make_toy", {"make_"}, std::isnan(noise), [&] { s.dataset = data::make_toy(task, o); });
      break;
    }
    case 1: {
      int64_t arms = size_arg(in);
      if (arms > 64 && arms <= (int64_t{1} << 16)) return;
      float turns = option(in);
      call("make_spirals", {"make_spirals"}, any_nan({noise, turns}),
           [&] { s.dataset = data::make_spirals(n, arms, noise, seed, turns); });
      break;
    }
    case 2: {
      float factor = option(in);
      call("make_circles", {"make_circles"}, any_nan({noise, factor}),
           [&] { s.dataset = data::make_circles(n, noise, seed, factor); });
      break;
    }
    case 3:
      call("permutation", {"permutation"}, false, [&] {
        std::vector<int64_t> p = data::permutation(n, seed);
        std::vector<bool> seen(p.size());
        for (int64_t v : p) {
          FUZZ_CHECK(v >= 0 && v < n && !seen[v], "permutation(%lld) gave %lld", static_cast<long long>(n),
                     static_cast<long long>(v));
          seen[v] = true;
        }
      });
      break;
    case 4: {
      data::Dataset d = in.flag() ? s.dataset : odd_dataset(in, s);
      std::vector<int64_t> idx;
      for (int i = in.next() % 5; i > 0; --i) idx.push_back(in.flag() ? size_arg(in) : in.next() % 12);
      call("subset", {"subset"}, false, [&] { s.dataset = data::subset(d, idx); });
      break;
    }
    case 5: {
      data::Dataset d = in.flag() ? s.dataset : odd_dataset(in, s);
      int64_t test = in.flag() ? size_arg(in) : in.next() % 12;
      call("train_test_split", {"train_test_split"}, false,
           [&] { s.dataset = data::train_test_split(d, test, seed).train; });
      break;
    }
    case 6: {
      data::Dataset d = in.flag() ? s.dataset : odd_dataset(in, s);
      int op = in.next() % 4;
      static const char* names[] = {"validate", "class_counts", "compute_normalization", "normalize_"};
      call(names[op], {op == 0 ? "dataset" : names[op]}, op == 3 && std::isnan(noise), [&] {
        if (op == 0) data::validate(d);
        if (op == 1) data::class_counts(d);
        if (op == 2) data::compute_normalization(d);
        if (op == 3) data::normalize_(d, {noise, 0.5f});
      });
      break;
    }
    default: {
      data::Dataset d = in.flag() ? s.dataset : odd_dataset(in, s);
      int64_t batch = size_arg(in);
      bool shuffle = in.flag(), drop_last = in.flag();
      call("DataLoader", {"DataLoader"}, false, [&] {
        data::DataLoader loader(d, batch, shuffle, seed, drop_last);
        const int64_t rows = d.size();
        const int64_t expected = drop_last ? rows / batch : rows == 0 ? 0 : (rows - 1) / batch + 1;
        FUZZ_CHECK(loader.size() == expected, "DataLoader of %lld rows, batch %lld: %lld batches",
                   static_cast<long long>(rows), static_cast<long long>(batch),
                   static_cast<long long>(loader.size()));
        int64_t seen = 0;
        for (data::Batch b : loader) {
          FUZZ_CHECK(b.inputs.size(0) == b.targets.size(0) && b.inputs.size(0) <= batch,
                     "batch rows disagree");
          seen += b.inputs.size(0);
        }
        FUZZ_CHECK(drop_last || seen == rows, "DataLoader gave %lld of %lld rows",
                   static_cast<long long>(seen), static_cast<long long>(rows));
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
  State s;
  for (int i = 0; i < 3; ++i) s.pool.push_back(small_tensor(in, in.flag()));
  s.dataset = data::make_moons(8);
  for (int calls = 0; calls < 8 && !in.done(); ++calls) {
    switch (in.next() % 7) {
      case 0:
        tensor_op(in, s);
        break;
      case 1:
        activation(in, s);
        break;
      case 2:
        loss(in, s);
        break;
      case 3:
        init(in, s);
        break;
      case 4:
        module(in, s);
        break;
      case 5:
        optimizer(in, s);
        break;
      default:
        data_helper(in, s);
    }
  }
  return 0;
}
