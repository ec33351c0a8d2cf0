// activation_tour: the PyTorch activation tutorial ember's learners follow,
// section by section in C++, every number it prints checked. For each
// activation:
//   - the module, constructed as the tutorial constructs it, printed as
//     PyTorch prints it;
//   - the tutorial's printed input row x[0] run through ember, and ember's
//     output row beside the tutorial's (support/tutorial_rows.h holds the
//     tutorial's numbers): both are rounded to four decimals, so "the same"
//     means within 1e-4·max(1, |f′(x)|), and the largest difference is shown;
//   - the tutorial's own hand-written module, as ember ops, against ember's
//     built-in over linspace(-10, 10, 1000) (or the range the tutorial used).
// Where the tutorial's numbers came from random weights or draws (Linear,
// Bilinear, RReLU in training) a property is checked instead: the explicit
// sum a layer stands for, the range the slopes are drawn from. It ends with
// Softmax rows summing to one and LogSoftmax + NLLLoss = CrossEntropyLoss.
//
// Each check prints "ok" or "FAIL", each section PASS or FAIL, and the program
// exits with 1 if anything failed (its smoke test then fails).
//
//   activation_tour [--seed 0]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include <ember.h>

#include "support/tour_checks.h"
#include "support/tour_report.h"
#include "support/tutorial_rows.h"

using namespace ember;
using support::format_row;
using support::short_number;
using support::TourReport;
using support::UnaryFunction;
namespace rows = support::tutorial_rows;

namespace {

UnaryFunction as_function(const std::shared_ptr<nn::Module>& module) {
  return [module](const Tensor& x) { return (*module)(x); };
}

void show_module(TourReport& report, const nn::Module& module) {
  report.show("module   " + module.to_string());
}

// The tutorial's x[0] through ember, ember's f(x)[0] under the tutorial's.
void check_printed_row(TourReport& report, const UnaryFunction& f, const support::TutorialRow& row) {
  const support::RowComparison c = support::compare_with_printed_row(f, row.x, row.f_x);
  report.show("x[0]     tutorial " + format_row(row.x));
  report.show("f(x)[0]  tutorial " + format_row(row.f_x));
  report.show("         ember    " + format_row(c.ours));
  report.check(c.ok, "the rows agree: largest difference " + short_number(c.largest_difference) +
                         " (allowed 1e-4·max(1, |f'(x)|); the worst element uses " +
                         std::to_string(static_cast<int>(std::lround(100 * c.worst_ratio))) + "% of it)");
}

// A formula written out against a built-in, over `xs` (described by `range`).
void check_formula(TourReport& report, const std::string& formula_text, const UnaryFunction& formula,
                   const std::string& builtin_text, const UnaryFunction& builtin, const Tensor& xs,
                   const std::string& range, float tolerance = 1e-5f) {
  const support::Agreement a = support::agreement(formula, builtin, xs, tolerance);
  report.check(a.ok, formula_text + " vs " + builtin_text + " over " + range + ": largest difference " +
                         short_number(a.largest_difference));
}

// One of the tutorial's elementwise sections: the module, the printed row when
// the tutorial printed one, its hand-written module when it wrote one.
struct Activation {
  std::string title;
  std::shared_ptr<nn::Module> module;         // as the tutorial constructs it
  const support::TutorialRow* row = nullptr;  // what the tutorial printed, if anything
  std::string formula_text = "";              // the tutorial's own module, in words…
  UnaryFunction formula = {};                 // …and in ember's ops
  Tensor xs = linspace(-10, 10, 1000);        // where the tutorial drew the two
  std::string range = "linspace(-10, 10, 1000)";
};

void check_activation(TourReport& report, const Activation& a) {
  report.begin(a.title);
  show_module(report, *a.module);
  if (a.row) check_printed_row(report, as_function(a.module), *a.row);
  if (a.formula)
    check_formula(report, a.formula_text, a.formula, a.module->to_string(), as_function(a.module), a.xs,
                  a.range);
}

void linear_section(TourReport& report, const Tensor& x1) {
  report.begin("Linear");
  nn::Linear linear(10, 5, /*bias=*/true);
  show_module(report, linear);
  NoGradGuard no_grad;
  Tensor y = linear(x1);
  report.check(y.shape() == Shape{100, 5},
               "output size " + shape_str(y.shape()) + " (the tutorial: [100, 5])");
  Tensor by_hand = matmul(x1, linear.weight.t()) + linear.bias;
  const float difference = support::largest_difference(y, by_hand);
  report.check(difference <= 1e-5f,
               "y = x·Wᵀ + b, written out: largest difference " + short_number(difference));
}

// The tutorial checks Bilinear with NumPy: y[n, k] = Σᵢ Σⱼ x1[n, i]·W[k, i, j]·x2[n, j] + b[k].
// Here the same sum, in double, element by element.
std::vector<double> bilinear_by_hand(const Tensor& x1, const Tensor& x2, const Tensor& weight,
                                     const Tensor& bias) {
  const int64_t rows = x1.size(0), in1 = x1.size(1), in2 = x2.size(1), out = weight.size(0);
  const float *a = x1.data(), *b = x2.data(), *w = weight.data(), *c = bias.data();
  std::vector<double> y(rows * out);
  for (int64_t n = 0; n < rows; ++n)
    for (int64_t k = 0; k < out; ++k) {
      double sum = c[k];
      for (int64_t i = 0; i < in1; ++i)
        for (int64_t j = 0; j < in2; ++j)
          sum += double(a[n * in1 + i]) * w[(k * in1 + i) * in2 + j] * b[n * in2 + j];
      y[n * out + k] = sum;
    }
  return y;
}

void bilinear_section(TourReport& report, const Tensor& x1) {
  report.begin("Bilinear");
  Tensor x2 = randn({100, 30});
  nn::Bilinear bilinear(10, 30, 5, /*bias=*/true);
  show_module(report, bilinear);
  NoGradGuard no_grad;
  Tensor y = bilinear(x1, x2);
  report.check(y.shape() == Shape{100, 5},
               "output size " + shape_str(y.shape()) + " (the tutorial: [100, 5])");
  report.show("weight " + shape_str(bilinear.weight.shape()) + ", bias " + shape_str(bilinear.bias.shape()) +
              " (the tutorial: (5, 10, 30) (5,))");
  const std::vector<double> by_hand = bilinear_by_hand(x1, x2, bilinear.weight, bilinear.bias);
  const std::vector<float> ours = y.to_vector();
  double largest = 0, mean = 0, largest_y = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    const double difference = std::abs(ours[i] - by_hand[i]);
    largest = std::max(largest, difference);
    mean += difference / static_cast<double>(ours.size());
    largest_y = std::max(largest_y, std::abs(by_hand[i]));
  }
  report.check(largest <= 1e-6 * std::max(1.0, largest_y),
               "against the explicit triple sum: mean |difference| " + short_number(mean) + ", largest " +
                   short_number(largest) + " (the tutorial's NumPy loop: mean " +
                   short_number(rows::bilinear_mean_abs_difference) + ")");
}

// x > 0 passes unchanged; x < 0 is scaled by a slope in [lower, upper]. `slack`
// allows for rounding (the tutorial's rows are printed to four decimals).
bool rrelu_property_holds(const std::vector<float>& x, const std::vector<float>& y, float lower, float upper,
                          float slack) {
  for (size_t i = 0; i < x.size(); ++i) {
    const bool ok = x[i] >= 0 ? std::abs(y[i] - x[i]) <= slack
                              : y[i] >= upper * x[i] - slack && y[i] <= lower * x[i] + slack;
    if (!ok) return false;
  }
  return true;
}

std::string slopes_of_negatives(const std::vector<float>& x, const std::vector<float>& y) {
  std::string text;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] < 0) text += (text.empty() ? "" : ", ") + support::fixed(y[i] / x[i], 3);
  return text;
}

void rrelu_section(TourReport& report) {
  report.begin("RReLU(0.1, 0.3): training, then evaluation");
  const float lower = 0.1f, upper = 0.3f;
  nn::RReLU func(lower, upper);  // in training mode, a module's default, as in PyTorch
  show_module(report, func);
  const support::TutorialRow& row = rows::rrelu_training;
  report.show("x[0]     tutorial " + format_row(row.x));
  report.show("f(x)[0]  tutorial " + format_row(row.f_x) + "  (training: its own random slopes)");
  report.check(rrelu_property_holds(row.x, row.f_x, lower, upper, 1e-4f),
               "the tutorial's row: x > 0 unchanged, each x < 0 times a slope in [0.1, 0.3] (its slopes: " +
                   slopes_of_negatives(row.x, row.f_x) + ")");

  Tensor x = tensor(row.x, {1, 10});
  const std::vector<float> ours = func(x).to_vector();
  report.show("         ember    " + format_row(ours) + "  (training: ember's draws)");
  report.check(rrelu_property_holds(row.x, ours, lower, upper, 1e-6f),
               "ember's row, training: the same property (slopes " + slopes_of_negatives(row.x, ours) + ")");

  // Many draws: the slopes fill [0.1, 0.3] with mean 0.2 (the standard error of
  // the mean of ~500 draws from U(0.1, 0.3) is 0.0026; 0.01 is about 4 of them).
  Tensor many = randn({100, 10});
  const std::vector<float> xs = many.to_vector(), ys = func(many).to_vector();
  float smallest = upper, largest = lower, sum = 0;
  int negatives = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i] >= 0) continue;
    const float slope = ys[i] / xs[i];
    smallest = std::min(smallest, slope), largest = std::max(largest, slope), sum += slope, ++negatives;
  }
  const float mean = sum / static_cast<float>(negatives);
  report.check(smallest >= lower - 1e-6f && largest <= upper + 1e-6f && std::abs(mean - 0.2f) < 0.01f,
               "over the " + std::to_string(negatives) + " negative inputs of randn(100, 10): slopes from " +
                   support::fixed(smallest, 4) + " to " + support::fixed(largest, 4) + ", mean " +
                   support::fixed(mean, 4) + " (U(0.1, 0.3) has mean 0.2)");

  func.eval();
  Tensor evaluated = func(x);
  report.show("         ember    " + format_row(evaluated.to_vector()) + "  (evaluation)");
  const float difference = support::largest_difference(evaluated, F::leaky_relu(x, (lower + upper) / 2));
  report.check(
      difference == 0.0f && support::largest_difference(func(x), evaluated) == 0.0f,
      "evaluation: one fixed slope (0.1 + 0.3)/2 = 0.2, leaky_relu(x, 0.2) exactly, the same every call");
}

Activation prelu_activation() {
  return {.title = "PReLU(10): a learnable slope per channel, each starting at 0.25",
          .module = std::make_shared<nn::PReLU>(10),
          .row = &rows::prelu};
}

void gelu_section(TourReport& report) {
  report.begin("GELU");
  auto exact = std::make_shared<nn::GELU>(), tanh_builtin = std::make_shared<nn::GELU>("tanh");
  show_module(report, *exact);
  auto tutorial_gelu = [](const Tensor& x) {
    Tensor inner = std::sqrt(2.0f / std::numbers::pi_v<float>) * (x + 0.044715f * x * x * x);
    return 0.5f * x * (1.0f + (exp(inner) - exp(-inner)) / (exp(inner) + exp(-inner)));
  };
  const std::string text = "0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))";
  const Tensor xs = linspace(-10, 10, 1000);
  const std::string range = "linspace(-10, 10, 1000)";
  // The tutorial draws its tanh form against nn.GELU(), the exact x·Φ(x): an approximation
  // against the real thing, a few 1e-4 apart — invisible at the plot's scale.
  check_formula(report, text, tutorial_gelu, exact->to_string() + " (exact, erf)", as_function(exact), xs,
                range, 1e-3f);
  // The same formula is PyTorch's (and ember's) approximate="tanh": there they agree to float precision.
  check_formula(report, text, tutorial_gelu, tanh_builtin->to_string(), as_function(tanh_builtin), xs, range);
}

void softmax_section(TourReport& report) {
  report.begin("Softmax");
  auto func2 = std::make_shared<nn::Softmax>(1);
  show_module(report, *func2);
  auto by_hand = [](const Tensor& x) {
    Tensor x_exp = x.exp();
    return x_exp / x_exp.sum({1}, /*keepdim=*/true);  // the sum broadcasts back over the row
  };
  Tensor x = linspace(-20, 20, 1000).reshape({1, 1000});
  check_formula(report, "exp(X) / exp(X).sum(dim=1, keepdim=True)", by_hand, func2->to_string(),
                as_function(func2), x, "linspace(-20, 20, 1000).unsqueeze(0)");
  NoGradGuard no_grad;
  Tensor scattered = randn({100, 10}) * 5.0f;
  float worst = 0;
  for (const Tensor& input : {x, scattered}) {
    Tensor sums = (*func2)(input).sum({1});
    worst = std::max(worst, support::largest_difference(sums, ones_like(sums)));
  }
  report.check(worst <= 1e-5f, "every row sums to one (that row, and randn(100, 10)·5): largest |sum − 1| " +
                                   short_number(worst));
}

void nll_section(TourReport& report) {
  report.begin("LogSoftmax + NLLLoss = CrossEntropyLoss");
  nn::LogSoftmax log_softmax(1);
  nn::NLLLoss nll;
  nn::CrossEntropyLoss cross_entropy;
  for (const nn::Module* m : std::vector<const nn::Module*>{&log_softmax, &nll, &cross_entropy})
    show_module(report, *m);
  Tensor logits = randn({100, 10}).requires_grad_();
  Tensor target = randn({100, 10}).argmax(1);  // 100 classes, each 0..9 equally likely
  Tensor two_steps = nll(log_softmax(logits), target), one_step = cross_entropy(logits, target);
  const float difference = support::largest_difference(two_steps, one_step);
  report.check(difference <= 1e-5f, "loss: NLLLoss(LogSoftmax(x)) " + support::fixed(two_steps.item(), 6) +
                                        ", CrossEntropyLoss(x) " + support::fixed(one_step.item(), 6) +
                                        ", difference " + short_number(difference));
  Tensor g_two = autograd::grad({two_steps}, {logits})[0], g_one = autograd::grad({one_step}, {logits})[0];
  const float g_difference = support::largest_difference(g_two, g_one);
  report.check(g_difference <= 1e-6f, "gradient with respect to the logits: largest difference " +
                                          short_number(g_difference) + " (both: (softmax − one_hot) / 100)");

  // The tutorial's closing advice: log(softmax(x)) is not a stable LogSoftmax.
  NoGradGuard no_grad;
  Tensor far = tensor({0.0f, 200.0f}, {1, 2});
  const float naive = log(F::softmax(far, 1)).to_vector()[0], stable = log_softmax(far).to_vector()[0];
  report.check(std::isinf(naive) && std::abs(stable + 200.0f) <= 1e-3f,
               "logits [0, 200]: log(softmax(x))[0] = " + support::fixed(naive, 4) +
                   ", LogSoftmax(x)[0] = " + support::fixed(stable, 4) + " (why NLLLoss wants LogSoftmax)");
}

// The tutorial's own HardSigmoid(bias=1, divisor=2) is nn::Hardsigmoid(1, 2), not PyTorch's curve.
void hardsigmoid_section(TourReport& report) {
  check_activation(report, {.title = "HardSigmoid: the tutorial's own, nn::Hardsigmoid(1, 2)",
                            .module = std::make_shared<nn::Hardsigmoid>(1.0f, 2.0f),
                            .formula_text = "((x + 1)/2).clamp(0, 1)",
                            .formula = [](const Tensor& x) { return clamp((x + 1.0f) / 2.0f, 0.0f, 1.0f); },
                            .xs = linspace(-5, 5, 100),
                            .range = "linspace(-5, 5, 100)"});
  {
    NoGradGuard no_grad;
    Tensor xs = linspace(-5, 5, 100);
    report.show("(PyTorch's nn.Hardsigmoid(), relu6(x + 3)/6, is another curve: up to " +
                short_number(support::largest_difference(F::hardsigmoid(xs), F::hardsigmoid(xs, 1, 2))) +
                " apart)");
  }
}

// Softplus, and the tutorial's NumPy plot of it over ReLU.
void softplus_section(TourReport& report) {
  check_activation(report, {.title = "Softplus",
                            .module = std::make_shared<nn::Softplus>(),
                            .row = &rows::softplus,
                            .formula_text = "log(1 + exp(beta*x))/beta (beta = 1)",
                            .formula = [](const Tensor& x) {
                              const float beta = 1.0f;
                              return 1.0f / beta * log(1.0f + exp(beta * x));
                            }});
  {
    NoGradGuard no_grad;
    Tensor xs = linspace(-10, 10, 100);  // the tutorial's np.linspace(-10, 10, 100), softplus drawn over relu
    Tensor gap = F::softplus(xs) - F::relu(xs);
    const std::vector<float> g = gap.to_vector();
    const auto [low, high] = std::minmax_element(g.begin(), g.end());
    report.check(
        *low > 0 && *high <= std::log(2.0f) + 1e-6f,
        "softplus lies above relu by log(1 + exp(-|x|)), in (0, log 2] (np.linspace(-10, 10, 100): from " +
            short_number(*low) + " to " + short_number(*high) + ")");
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "activation_tour: the PyTorch activation tutorial section by section in C++; each module printed, each "
      "printed row and hand-written formula checked against ember. Exits with 1 if any check fails."};
  uint64_t seed = 0;
  app.add_option("--seed", seed, "seed of the random inputs, weights and RReLU's draws")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  manual_seed(seed);

  const float alpha = 1.0f, selu_alpha = 1.6732632423543772848f, selu_scale = 1.0507009873554804934f;
  TourReport report;
  Tensor x1 = randn({100, 10});  // the tutorial's x1, shared by Linear and Bilinear
  linear_section(report, x1);
  bilinear_section(report, x1);
  check_activation(report, {.title = "Sigmoid",
                            .module = std::make_shared<nn::Sigmoid>(),
                            .row = &rows::sigmoid,
                            .formula_text = "1/(1 + exp(-x))",
                            .formula = [](const Tensor& x) { return 1.0f / (1.0f + exp(-x)); }});
  check_activation(report,
                   {.title = "Tanh",
                    .module = std::make_shared<nn::Tanh>(),
                    .row = &rows::tanh,
                    .formula_text = "(exp(x) - exp(-x))/(exp(x) + exp(-x))",
                    .formula = [](const Tensor& x) { return (exp(x) - exp(-x)) / (exp(x) + exp(-x)); }});
  check_activation(
      report,
      {.title = "LogSigmoid", .module = std::make_shared<nn::LogSigmoid>(), .row = &rows::logsigmoid});
  check_activation(report, {.title = "ReLU",
                            .module = std::make_shared<nn::ReLU>(),
                            .row = &rows::relu,
                            .formula_text = "np.maximum(0, x)",
                            .formula = [](const Tensor& x) { return maximum(zeros_like(x), x); }});
  check_activation(report, {.title = "ReLU6 (on randn(100, 10)·10)",
                            .module = std::make_shared<nn::ReLU6>(),
                            .row = &rows::relu6});
  check_activation(
      report, {.title = "LeakyReLU", .module = std::make_shared<nn::LeakyReLU>(), .row = &rows::leaky_relu});
  check_activation(report, prelu_activation());
  rrelu_section(report);
  check_activation(report, {.title = "ELU",
                            .module = std::make_shared<nn::ELU>(),
                            .row = &rows::elu,
                            .formula_text = "relu(x) + alpha*(-relu(1 - exp(x)))",
                            .formula = [alpha](const Tensor& x) {
                              return F::relu(x) + alpha * (-F::relu(1.0f - exp(x)));
                            }});
  check_activation(report, {.title = "CELU",
                            .module = std::make_shared<nn::CELU>(),
                            .row = &rows::celu,
                            .formula_text = "relu(x) + alpha*(-relu(1 - exp(x/alpha)))",
                            .formula = [alpha](const Tensor& x) {
                              return F::relu(x) + alpha * (-F::relu(1.0f - exp(x / alpha)));
                            }});
  check_activation(report, {.title = "SELU",
                            .module = std::make_shared<nn::SELU>(),
                            .formula_text = "scale*relu(x) + scale*alpha*(-relu(1 - exp(x)))",
                            .formula = [=](const Tensor& x) {
                              return selu_scale * F::relu(x) +
                                     selu_scale * selu_alpha * (-F::relu(1.0f - exp(x)));
                            }});
  check_activation(report, {.title = "SiLU",
                            .module = std::make_shared<nn::SiLU>(),
                            .formula_text = "x * sigmoid(x)",
                            .formula = [](const Tensor& x) { return x * F::sigmoid(x); }});
  check_activation(report, {.title = "Hardswish",
                            .module = std::make_shared<nn::Hardswish>(),
                            .formula_text = "x * relu6(x + 3) / 6",
                            .formula = [](const Tensor& x) { return x * F::relu6(x + 3.0f) / 6.0f; },
                            .xs = arange(-50, 50),
                            .range = "arange(-50, 50)"});
  hardsigmoid_section(report);
  softplus_section(report);
  check_activation(report,
                   {.title = "Mish (nn.Mish came with PyTorch 1.9: the tutorial could only draw its own)",
                    .module = std::make_shared<nn::Mish>(),
                    .formula_text = "x * tanh(softplus(x))",
                    .formula = [](const Tensor& x) { return x * tanh(F::softplus(x)); }});
  gelu_section(report);
  softmax_section(report);
  nll_section(report);
  return report.summary();
}
