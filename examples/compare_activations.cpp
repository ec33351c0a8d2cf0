// compare_activations: trains the same small MLP with each activation on each
// task, over several seeds, and reports what differs — accuracy (or MSE for
// regression), speed of learning, divergence, and the health of the hidden
// layers that textbooks describe: dead ReLU units, saturated sigmoid/tanh
// units, SELU's self-normalised activations, vanishing or exploding gradients,
// and the slopes PReLU and Swish learn.
//
//   compare_activations                                   every activation, the default tasks, 3 seeds
//   compare_activations --tasks spirals,sine --activations relu,tanh,gelu --seeds 5
//
// Writes into --out:
//   results.md                the table per task (mean ± std over seeds)
//   runs.csv                  every epoch of every run, with the layer health
//   <task>_curves.png/.svg    test accuracy (or MSE) per epoch, one line per activation
//   <task>_boundaries.png     2-D tasks: the decision regions of every activation (first seed)
//   <task>_fits.png/.svg      regression: the fitted curves (first seed)
//   <task>_health.png/.svg    dead and saturated units, activation spread, gradient norms
//   <task>_learned.png/.svg   PReLU's slope and Swish's β over training (when selected)
//
// Layer health is measured after every epoch on a fixed probe batch (the
// first 512 test samples), in eval mode. For each hidden unit, the local
// derivative f'(x) of its activation is taken with autograd (an elementwise
// activation's backward of a tensor of ones is f'(x) itself): a unit is
// *dead* when f'(x) is 0 on every probe sample (no gradient ever flows
// through it), *saturated* when its mean |f'(x)| is below 0.05. The gradient
// norm of a layer is ‖∂L/∂W‖ of the Linear feeding it, averaged over the
// epoch's batches.
//
// Everything is reproducible from --seed: the task data is drawn once (the
// same for every activation), and run s of each activation uses seed + s for
// its initial weights, shuffling and dropout.
#include <ember.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "support/activations.h"
#include "support/metrics.h"
#include "support/progress_bar.h"

using namespace ember;
namespace fs = std::filesystem;

// --- options and tasks -------------------------------------------------------------

struct Options {
  std::string tasks = "spirals,moons,circles,xor,sine,abs,fashion";
  std::string activations = "all";
  int64_t seeds = 3;
  uint64_t seed = 0;
  std::string hidden = "32,32";
  int64_t epochs = 0;  // 0: the task's default
  float lr = 0;        // 0: the task's default
  int64_t batch_size = 64;
  int64_t toy_samples = 1000;
  int64_t fashion_samples = 10000;
  int threads = 0;
  std::string out = "runs/compare";
};

struct Task {
  std::string name;
  data::DatasetSplit data;
  int64_t epochs;
  float lr;
  double target;  // accuracy to reach (classification) or MSE to get under (regression)
  bool classification() const { return data.train.is_classification(); }
  bool planar() const { return classification() && data.train.num_features() == 2; }
};

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string p; std::getline(in, p, ',');)
    if (!p.empty()) parts.push_back(p);
  return parts;
}

Task make_task(const std::string& name, const Options& o) {
  Task t{name, {}, 60, 0.01f, 0.95};
  if (name == "fashion") {  // a subset of Fashion-MNIST: 10k train, 2k test
    data::Dataset train = data::load_fashion_mnist(data::fashion_mnist_default_dir, true);
    data::Dataset test = data::load_fashion_mnist(data::fashion_mnist_default_dir, false);
    std::vector<int64_t> first(static_cast<size_t>(std::min(o.fashion_samples, train.size())));
    std::iota(first.begin(), first.end(), 0);
    std::vector<int64_t> first_test(static_cast<size_t>(std::min<int64_t>(2000, test.size())));
    std::iota(first_test.begin(), first_test.end(), 0);
    t.data = {data::subset(train, first, "fashion-mnist subset"),
              data::subset(test, first_test, "fashion-mnist subset")};
    data::normalize_(t.data.train, data::fashion_mnist_normalization);
    data::normalize_(t.data.test, data::fashion_mnist_normalization);
    t.epochs = 10, t.lr = 1e-3f, t.target = 0.83;
  } else {
    data::ToyOptions toy{.n = o.toy_samples, .seed = o.seed};
    t.data.train = data::make_toy(name, toy);
    toy.seed = o.seed + 1000003;  // the test set: the same distribution, other draws
    t.data.test = data::make_toy(name, toy);
    if (!t.classification()) t.target = 0.01;
    if (name == "spirals" || name == "checkerboard") t.epochs = 100;
  }
  if (o.epochs > 0) t.epochs = o.epochs;
  if (o.lr > 0) t.lr = o.lr;
  return t;
}

// --- one run -------------------------------------------------------------------------

struct LayerHealth {
  double dead = 0, saturated = 0, mean = 0, std = 0, grad_norm = 0;
};

struct EpochStats {
  double train_loss = 0, test_loss = 0, test_metric = 0, seconds = 0;
  std::vector<LayerHealth> layers;  // one per hidden layer
  std::vector<double> learned;      // PReLU slope or Swish β per hidden layer (empty otherwise)
};

struct Run {
  std::string activation;
  uint64_t seed;
  std::vector<EpochStats> epochs;
  bool diverged = false;
  std::vector<float> picture;  // decision regions or fitted curve on a grid (first seed only)
};

/// The hidden layers' activation modules and the Linear layers feeding them.
struct Layers {
  std::vector<std::shared_ptr<nn::Linear>> linear;  // all, the output layer last
  std::vector<std::shared_ptr<nn::Module>> activation;
};

std::shared_ptr<nn::Sequential> make_model(int64_t in, const std::vector<int64_t>& hidden,
                                           const std::string& act, int64_t out, Layers& layers) {
  auto model = std::make_shared<nn::Sequential>();
  for (int64_t width : hidden) {
    layers.linear.push_back(std::make_shared<nn::Linear>(in, width));
    layers.activation.push_back(support::activations().at(act)());
    model->push_back(layers.linear.back());
    model->push_back(layers.activation.back());
    in = width;
  }
  layers.linear.push_back(std::make_shared<nn::Linear>(in, out));
  model->push_back(layers.linear.back());
  return model;
}

Tensor loss_of(const Tensor& output, const Tensor& target, bool classification,
               std::string_view reduction = "mean") {
  return classification ? F::cross_entropy(output, target, reduction)
                        : F::mse_loss(output, target, reduction);
}

// Test loss and accuracy (classification) or MSE (regression).
std::pair<double, double> evaluate(nn::Module& model, const data::Dataset& test) {
  NoGradGuard no_grad;
  model.eval();
  Tensor out = model(test.inputs);
  double loss =
      loss_of(out, test.targets, test.is_classification(), "sum").item() / static_cast<double>(test.size());
  if (!test.is_classification()) return {loss, loss};
  double correct = (out.argmax(1) == test.targets).sum().item();
  return {loss, correct / static_cast<double>(test.size())};
}

// Dead and saturated units, mean and spread of each hidden layer's outputs, on the probe batch.
std::vector<LayerHealth> layer_health(nn::Module& model, const Layers& layers, const Tensor& probe) {
  model.eval();
  std::vector<LayerHealth> health;
  Tensor x = probe;
  for (size_t l = 0; l < layers.activation.size(); ++l) {
    Tensor pre;
    {
      NoGradGuard no_grad;
      pre = (*layers.linear[l])(x);
    }
    // f'(pre) elementwise: the backward of sum(f(pre)) with respect to pre.
    Tensor leaf = pre.detach().requires_grad_();
    Tensor post = (*layers.activation[l])(leaf);
    post.sum().backward();
    const float* d = leaf.grad().data();
    const int64_t n = pre.size(0), units = pre.size(1);
    LayerHealth h;
    for (int64_t j = 0; j < units; ++j) {
      double max_d = 0, mean_d = 0;
      for (int64_t i = 0; i < n; ++i) {
        double v = std::fabs(d[i * units + j]);
        max_d = std::max(max_d, v);
        mean_d += v / static_cast<double>(n);
      }
      h.dead += max_d == 0;
      h.saturated += mean_d < 0.05;
    }
    h.dead /= static_cast<double>(units);
    h.saturated /= static_cast<double>(units);
    std::vector<float> y = post.detach().to_vector();
    for (float v : y) h.mean += v / static_cast<double>(y.size());
    for (float v : y) h.std += (v - h.mean) * (v - h.mean) / static_cast<double>(y.size());
    h.std = std::sqrt(h.std);
    health.push_back(h);
    x = post.detach();
  }
  model.zero_grad();  // PReLU's and Swish's parameters took gradients above
  return health;
}

// PReLU's slope or Swish's β of each hidden layer (the mean, if per channel).
std::vector<double> learned_parameters(const Layers& layers) {
  std::vector<double> out;
  for (const auto& a : layers.activation) {
    Tensor p;
    if (auto prelu = std::dynamic_pointer_cast<nn::PReLU>(a)) p = prelu->weight;
    if (auto swish = std::dynamic_pointer_cast<nn::Swish>(a)) p = swish->beta;
    if (p.defined()) out.push_back(p.mean().item());
  }
  return out;
}

// The model's answer on a grid: for 2-D tasks the predicted class on a
// 120 × 120 grid over [-1.6, 1.6]², for 1-D regression y on 200 points of [-1.2, 1.2].
constexpr int grid_side = 120, curve_points = 200;
constexpr float grid_extent = 1.6f, curve_extent = 1.2f;

std::vector<float> picture(nn::Module& model, const Task& task) {
  NoGradGuard no_grad;
  model.eval();
  if (task.planar()) {
    std::vector<float> xy;
    for (int r = 0; r < grid_side; ++r)
      for (int c = 0; c < grid_side; ++c)
        xy.insert(xy.end(), {-grid_extent + 2 * grid_extent * (c + 0.5f) / grid_side,
                             -grid_extent + 2 * grid_extent * (r + 0.5f) / grid_side});
    return model(tensor(xy, {grid_side * grid_side, 2})).argmax(1).to_vector();
  }
  if (!task.classification())
    return model(linspace(-curve_extent, curve_extent, curve_points).reshape({-1, 1})).to_vector();
  return {};
}

Run train_one(const Task& task, const std::string& activation, uint64_t seed, const Options& o,
              bool keep_picture, const std::function<void(int64_t epoch, const EpochStats&)>& on_epoch) {
  manual_seed(seed);
  Layers layers;
  const auto& train = task.data.train;
  std::vector<int64_t> hidden;
  for (const auto& width : split_list(o.hidden)) hidden.push_back(std::stoll(width));
  auto model = make_model(train.num_features(), hidden, activation,
                          task.classification() ? train.num_classes : 1, layers);
  optim::Adam optimizer(model->parameters(), {.lr = task.lr});
  data::DataLoader loader(train, o.batch_size, /*shuffle=*/true, seed);
  std::vector<int64_t> probe_rows(static_cast<size_t>(std::min<int64_t>(512, task.data.test.size())));
  std::iota(probe_rows.begin(), probe_rows.end(), 0);
  const Tensor probe = data::subset(task.data.test, probe_rows).inputs;

  Run run{activation, seed, {}, false, {}};
  for (int64_t epoch = 0; epoch < task.epochs && !run.diverged; ++epoch) {
    auto start = std::chrono::steady_clock::now();
    model->train();
    loader.set_epoch(epoch);
    EpochStats stats;
    std::vector<double> grad_norms(layers.activation.size(), 0.0);
    for (auto [x, y] : loader) {
      Tensor loss = loss_of((*model)(x), y, task.classification());
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      const double value = loss.item();
      if (!std::isfinite(value)) {  // NaN or inf: this run has diverged
        run.diverged = true;
        break;
      }
      stats.train_loss += value / static_cast<double>(loader.size());
      for (size_t l = 0; l < grad_norms.size(); ++l) {
        Tensor g = layers.linear[l]->weight.grad();
        grad_norms[l] +=
            std::sqrt(static_cast<double>((g * g).sum().item())) / static_cast<double>(loader.size());
      }
    }
    std::tie(stats.test_loss, stats.test_metric) = evaluate(*model, task.data.test);
    if (!std::isfinite(stats.test_loss)) run.diverged = true;
    stats.layers = layer_health(*model, layers, probe);
    for (size_t l = 0; l < grad_norms.size(); ++l) stats.layers[l].grad_norm = grad_norms[l];
    stats.learned = learned_parameters(layers);
    stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    run.epochs.push_back(stats);
    on_epoch(epoch, stats);
  }
  if (keep_picture && !run.diverged) run.picture = picture(*model, task);
  return run;
}

// --- summaries ------------------------------------------------------------------------

struct Summary {
  double mean = 0, std = 0;
  int n = 0;
};

Summary summarize(const std::vector<double>& values) {
  Summary s;
  for (double v : values)
    if (std::isfinite(v)) s.mean += v, ++s.n;
  if (s.n == 0) return {NAN, NAN, 0};
  s.mean /= s.n;
  for (double v : values)
    if (std::isfinite(v)) s.std += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(s.std / (s.n - 1)) : 0.0;
  return s;
}

std::string fmt(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

// Better is higher accuracy or lower MSE.
bool better(const Task& t, double a, double b) { return t.classification() ? a > b : a < b; }
bool reached(const Task& t, double v) { return t.classification() ? v >= t.target : v <= t.target; }

std::string markdown_table(const Task& task, const std::vector<std::vector<Run>>& runs) {
  const bool cls = task.classification();
  std::ostringstream md;
  md << "## " << task.name << "\n\n"
     << task.data.train.size() << " training / " << task.data.test.size() << " test samples, " << task.epochs
     << " epochs, Adam lr " << task.lr
     << "; mean ± std over seeds; health on the last epoch, averaged over the "
     << "hidden layers (std of layer 1 → last). Target: " << (cls ? "test accuracy ≥ " : "test MSE ≤ ")
     << (cls ? fmt("%.0f%%", 100 * task.target) : fmt("%g", task.target)) << ".\n\n";
  md << "| activation | " << (cls ? "test accuracy" : "test MSE")
     << " | best epoch | epochs to target | s/epoch | diverged | dead units | saturated units | activation "
        "std | "
        "grad norm (layer 1 → last) | learned a/β |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& seeds : runs) {
    std::vector<double> final_metric, best_epoch, to_target, seconds, dead, saturated;
    std::vector<std::vector<double>> std_per_layer, grad_per_layer;
    std::vector<double> learned;
    int diverged = 0, reached_count = 0;
    for (const Run& r : seeds) {
      if (r.diverged || r.epochs.empty()) {
        ++diverged;
        continue;
      }
      const EpochStats& last = r.epochs.back();
      final_metric.push_back(last.test_metric);
      size_t best = 0, first_reach = 0;
      bool hit = false;
      for (size_t e = 0; e < r.epochs.size(); ++e) {
        if (better(task, r.epochs[e].test_metric, r.epochs[best].test_metric)) best = e;
        if (!hit && reached(task, r.epochs[e].test_metric)) hit = true, first_reach = e;
      }
      best_epoch.push_back(static_cast<double>(best + 1));
      if (hit) to_target.push_back(static_cast<double>(first_reach + 1)), ++reached_count;
      double total_seconds = 0;
      for (const auto& e : r.epochs) total_seconds += e.seconds;
      seconds.push_back(total_seconds / static_cast<double>(r.epochs.size()));
      double d = 0, s = 0;
      std_per_layer.resize(last.layers.size());
      grad_per_layer.resize(last.layers.size());
      for (size_t l = 0; l < last.layers.size(); ++l) {
        d += last.layers[l].dead / static_cast<double>(last.layers.size());
        s += last.layers[l].saturated / static_cast<double>(last.layers.size());
        std_per_layer[l].push_back(last.layers[l].std);
        grad_per_layer[l].push_back(last.layers[l].grad_norm);
      }
      dead.push_back(d);
      saturated.push_back(s);
      for (double v : last.learned) learned.push_back(v);
    }
    auto pm = [&](const std::vector<double>& v, const char* f, double scale = 1) {
      Summary s = summarize(v);
      if (s.n == 0) return std::string("—");
      return fmt(f, scale * s.mean) + " ± " + fmt(f, scale * s.std);
    };
    auto per_layer = [&](const std::vector<std::vector<double>>& layers, const char* f) {
      std::string out;
      for (const auto& v : layers) out += (out.empty() ? "" : " → ") + fmt(f, summarize(v).mean);
      return out.empty() ? std::string("—") : out;
    };
    md << "| " << seeds.front().activation << " | "
       << (cls ? pm(final_metric, "%.2f", 100) + "%" : pm(final_metric, "%.4g")) << " | "
       << pm(best_epoch, "%.0f") << " | "
       << (reached_count ? fmt("%.0f", summarize(to_target).mean) + " (" + std::to_string(reached_count) +
                               "/" + std::to_string(seeds.size()) + ")"
                         : "not reached")
       << " | " << pm(seconds, "%.3f") << " | "
       << (diverged ? std::to_string(diverged) + "/" + std::to_string(seeds.size()) : "no") << " | "
       << (dead.empty() ? "—" : fmt("%.1f%%", 100 * summarize(dead).mean)) << " | "
       << (saturated.empty() ? "—" : fmt("%.1f%%", 100 * summarize(saturated).mean)) << " | "
       << per_layer(std_per_layer, "%.2f") << " | " << per_layer(grad_per_layer, "%.3g") << " | "
       << (learned.empty() ? "—" : fmt("%.3f", summarize(learned).mean)) << " |\n";
  }
  return md.str();
}

// --- plots (gnuplot) --------------------------------------------------------------------

bool gnuplot(const std::string& script) {
  FILE* gp = popen("gnuplot 2>&1", "w");
  if (!gp) return false;
  std::fputs(script.c_str(), gp);
  return pclose(gp) == 0;
}

// Draws `panels` (gnuplot commands) into <stem>.png and <stem>.svg.
bool plot_both(const std::string& stem, int width, int height, const std::string& panels) {
  std::string s = "set terminal pngcairo size " + std::to_string(width) + "," + std::to_string(height) +
                  " font ',9'\nset output '" + stem + ".png'\n" + panels;
  s += "set terminal svg size " + std::to_string(width) + "," + std::to_string(height) +
       " dynamic font ',9'\nset output '" + stem + ".svg'\n" + panels + "set output\n";
  return gnuplot(s);
}

// Seed-averaged per-epoch series: one data block per activation, for gnuplot's `index`.
// Columns: epoch, test metric, dead, saturated, std of layer 1, grad norm of layer 1, learned parameter.
std::string series_file(const Task& task, const std::vector<std::vector<Run>>& runs,
                        const std::string& path) {
  std::ofstream out(path);
  for (const auto& seeds : runs) {
    out << "# " << seeds.front().activation << "\n";
    for (int64_t e = 0; e < task.epochs; ++e) {
      std::vector<double> m, dead, sat, sd, gn, learned;
      for (const Run& r : seeds) {
        if (r.diverged || e >= static_cast<int64_t>(r.epochs.size())) continue;
        const EpochStats& s = r.epochs[e];
        m.push_back(s.test_metric * (task.classification() ? 100 : 1));
        double d = 0, t = 0;
        for (const auto& l : s.layers) d += l.dead / s.layers.size(), t += l.saturated / s.layers.size();
        dead.push_back(100 * d);
        sat.push_back(100 * t);
        sd.push_back(s.layers.empty() ? NAN : s.layers.front().std);
        gn.push_back(s.layers.empty() ? NAN : s.layers.front().grad_norm);
        if (!s.learned.empty()) learned.push_back(s.learned.front());
      }
      if (m.empty()) continue;
      out << e + 1;
      for (const auto* v : {&m, &dead, &sat, &sd, &gn, &learned})
        out << ' ' << (v->empty() ? NAN : summarize(*v).mean);
      out << '\n';
    }
    out << "\n\n";
  }
  return path;
}

std::string plot_lines(const std::string& file, const std::vector<std::vector<Run>>& runs, int column,
                       bool only_learned = false) {
  std::string plot = "plot ";
  bool first = true;
  for (size_t i = 0; i < runs.size(); ++i) {
    const std::string& a = runs[i].front().activation;
    if (only_learned && a != "prelu" && a != "swish") continue;
    plot += std::string(first ? "" : ", ") + "'" + file + "' index " + std::to_string(i) +
            " using 1:" + std::to_string(column) + " with lines lw 1.5 dt " +
            std::to_string(1 + static_cast<int>(i) / 8) + " title '" + a + "'";
    first = false;
  }
  return plot + "\n";
}

void plot_task(const Task& task, const std::vector<std::vector<Run>>& runs, const std::string& out) {
  const std::string stem = (fs::path(out) / task.name).string();
  const std::string file = series_file(task, runs, stem + "_series.dat");
  const std::string key =
      "set key outside right top vertical maxrows 14 font ',8'\nset grid\nset xlabel 'epoch'\n";

  // Learning curves.
  plot_both(stem + "_curves", 1000, 560,
            key + "set title '" + task.name + ": " +
                (task.classification() ? "test accuracy (%)" : "test MSE") +
                " per epoch, mean over seeds'\n" + (task.classification() ? "" : "set logscale y\n") +
                plot_lines(file, runs, 2) + "unset logscale y\n");

  // Layer health: four panels.
  plot_both(stem + "_health", 1400, 900,
            key + "set multiplot layout 2,2 title '" + task.name +
                ": hidden-layer health (mean over seeds)'\n" +
                "set title 'dead units (%), mean over layers'\n" + plot_lines(file, runs, 3) +
                "set title 'saturated units (%), mean over layers'\n" + plot_lines(file, runs, 4) +
                "set title 'std of layer-1 activations'\n" + plot_lines(file, runs, 5) +
                "set title 'gradient norm of layer-1 weights'\nset logscale y\n" + plot_lines(file, runs, 6) +
                "unset logscale y\nunset multiplot\n");

  // Learned slopes.
  bool any_learned = false;
  for (const auto& r : runs)
    any_learned |= r.front().activation == "prelu" || r.front().activation == "swish";
  if (any_learned)
    plot_both(stem + "_learned", 800, 450,
              key + "set title '" + task.name + ": PReLU slope a and Swish β of layer 1'\n" +
                  plot_lines(file, runs, 7, true));

  // Decision regions or fitted curves, from the first seed's model.
  std::ofstream pic(stem + "_pictures.dat");
  for (const auto& seeds : runs) {
    const Run& r = seeds.front();
    pic << "# " << r.activation << "\n";
    if (task.planar()) {
      for (int row = 0; row < grid_side && !r.picture.empty(); ++row) {
        for (int c = 0; c < grid_side; ++c)
          pic << -grid_extent + 2 * grid_extent * (c + 0.5f) / grid_side << ' '
              << -grid_extent + 2 * grid_extent * (row + 0.5f) / grid_side << ' '
              << r.picture[row * grid_side + c] << '\n';
        pic << '\n';
      }
    } else if (!task.classification()) {
      for (int i = 0; i < curve_points && !r.picture.empty(); ++i)
        pic << -curve_extent + 2 * curve_extent * i / (curve_points - 1) << ' ' << r.picture[i] << '\n';
    }
    if (r.picture.empty()) pic << "0 0 0\n";  // a diverged run: an empty panel
    pic << "\n\n";
  }
  pic.close();
  std::ofstream points(stem + "_points.dat");
  const auto& d = task.data.train;
  for (int64_t i = 0; i < d.size(); ++i) {
    for (int64_t f = 0; f < d.num_features(); ++f) points << d.inputs.data()[i * d.num_features() + f] << ' ';
    points << d.targets.data()[i * (d.targets.numel() / d.size())] << '\n';
  }
  points.close();
  if (task.planar()) {
    const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(runs.size()))));
    const int rows = static_cast<int>((runs.size() + cols - 1) / cols);
    // Light region colours and dark point colours, one pair per class (spirals may have more arms: they
    // cycle).
    const std::vector<std::string> light{"#9ecae1", "#fdae6b", "#a1d99b", "#bcbddc", "#fa9fb5", "#d9d9d9"};
    const std::vector<std::string> dark{"0x08519c", "0xa63603", "0x006d2c",
                                        "0x54278f", "0xc51b7d", "0x252525"};
    const int64_t k = std::max<int64_t>(2, task.data.train.num_classes);
    std::string palette = "set palette defined (", point_colour = "point_colour(c) = ";
    for (int64_t c = 0; c < k; ++c) {
      palette += (c ? ", " : "") + std::to_string(c) + " '" + light[c % light.size()] + "'";
      point_colour += "c == " + std::to_string(c) + " ? " + dark[c % dark.size()] + " : ";
    }
    palette += ")\nset cbrange [0:" + std::to_string(k - 1) + "]\n";
    point_colour += "0\n";
    std::string s =
        "unset key\nunset colorbox\nset size ratio -1\nset xrange [-1.6:1.6]\nset yrange [-1.6:1.6]\n"
        "set tics scale 0\nset format x ''\nset format y ''\n" +
        palette + point_colour + "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) +
        " title '" + task.name + ": decision regions (first seed), training points'\n";
    for (size_t i = 0; i < runs.size(); ++i)
      s += "set title '" + runs[i].front().activation + "'\nplot '" + stem + "_pictures.dat' index " +
           std::to_string(i) + " using 1:2:3 with image, '" + stem +
           "_points.dat' every 3 using 1:2:(point_colour($3)) with points pt 7 ps 0.12 lc rgb variable\n";
    plot_both(stem + "_boundaries", 240 * cols, 240 * rows, s + "unset multiplot\n");
  } else if (!task.classification()) {
    std::string s = key + "set xlabel 'x'\nset ylabel 'y'\nset title '" + task.name +
                    ": fitted curves (first seed) and training points'\nplot '" + stem +
                    "_points.dat' every 2 using 1:2 with points pt 7 ps 0.2 lc rgb '#999999' title 'data'";
    for (size_t i = 0; i < runs.size(); ++i)
      s += ", '" + stem + "_pictures.dat' index " + std::to_string(i) + " using 1:2 with lines lw 1.5 dt " +
           std::to_string(1 + static_cast<int>(i) / 8) + " title '" + runs[i].front().activation + "'";
    plot_both(stem + "_fits", 1000, 560, s + "\n");
  }
}

// --- main --------------------------------------------------------------------------------

int run(int argc, char** argv) {
  Options o;
  CLI::App app{"compare_activations: train one MLP per activation, task and seed; write a table and plots"};
  app.get_formatter()->column_width(30);
  app.add_option(
         "--tasks", o.tasks,
         "Comma-separated: " +
             [] {
               std::string s;
               for (const auto& t : data::toy_tasks()) s += t + ", ";
               return s + "fashion (a Fashion-MNIST subset)";
             }())
      ->capture_default_str();
  app.add_option("--activations", o.activations, "Comma-separated activation names, or all")
      ->capture_default_str();
  app.add_option("--seeds", o.seeds, "Runs per activation and task")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--seed", o.seed, "First seed; run s uses seed + s (the task data uses seed)")
      ->capture_default_str();
  app.add_option("--hidden", o.hidden, "Hidden layer widths, comma-separated")->capture_default_str();
  app.add_option("--epochs", o.epochs,
                 "Epochs per run (0: the task's default, 60 for toy tasks, 100 for spirals and "
                 "checkerboard, 10 for fashion)")
      ->capture_default_str();
  app.add_option("--lr", o.lr, "Adam learning rate (0: the task's default, 0.01 toy, 0.001 fashion)")
      ->capture_default_str();
  app.add_option("--batch-size", o.batch_size, "Samples per batch")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--toy-samples", o.toy_samples, "Samples in each toy task's training (and test) set")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--fashion-samples", o.fashion_samples, "Training samples of the Fashion-MNIST subset")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--threads", o.threads, "Threads for the kernels (0: all cores)")->capture_default_str();
  app.add_option("--out", o.out, "Folder for results.md, runs.csv and the plots")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (o.threads > 0) set_num_threads(o.threads);
  std::vector<std::string> acts =
      o.activations == "all" ? std::vector<std::string>{} : split_list(o.activations);
  if (acts.empty())
    for (const auto& [name, _] : support::activations()) acts.push_back(name);
  for (const auto& a : acts)
    if (!support::activations().count(a)) fail("--activations: unknown activation \"", a, "\"");
  for (const auto& s : split_list(o.hidden))
    if (s.find_first_not_of("0123456789") != std::string::npos || std::stoll(s) <= 0)
      fail("--hidden: \"", o.hidden, "\" is not a list of positive sizes like 32,32");
  fs::create_directories(o.out);

  std::vector<Task> tasks;
  for (const auto& name : split_list(o.tasks)) tasks.push_back(make_task(name, o));
  int64_t total_epochs = 0;
  for (const auto& t : tasks) total_epochs += t.epochs * static_cast<int64_t>(acts.size()) * o.seeds;
  std::printf("%zu tasks × %zu activations × %lld seeds, %lld epochs in all, %d threads\n", tasks.size(),
              acts.size(), static_cast<long long>(o.seeds), static_cast<long long>(total_epochs),
              get_num_threads());
  std::fflush(stdout);

  std::ofstream csv((fs::path(o.out) / "runs.csv").string());
  csv << "task,activation,seed,epoch,train_loss,test_loss,test_metric,seconds,layer,dead,saturated,mean,std,"
         "grad_norm,"
         "learned\n";
  std::string markdown = "# Activation comparison\n\nHidden layers " + o.hidden + ", batch " +
                         std::to_string(o.batch_size) + ", " + std::to_string(o.seeds) + " seeds from " +
                         std::to_string(o.seed) +
                         ". Dead unit: f'(x) = 0 on every probe sample; saturated unit: mean "
                         "|f'(x)| < 0.05 (probe: the first 512 test samples, eval mode).\n\n";
  support::ProgressBar bar("epochs", total_epochs, 0, support::stdout_is_terminal(), "epochs");
  int64_t done = 0;
  for (const Task& task : tasks) {
    std::vector<std::vector<Run>> runs;  // [activation][seed]
    for (const auto& act : acts) {
      runs.emplace_back();
      for (int64_t s = 0; s < o.seeds; ++s) {
        const uint64_t seed = o.seed + static_cast<uint64_t>(s);
        Run r = train_one(task, act, seed, o, s == 0, [&](int64_t epoch, const EpochStats& e) {
          ++done;
          for (size_t l = 0; l < std::max<size_t>(1, e.layers.size()); ++l) {
            csv << task.name << ',' << act << ',' << seed << ',' << epoch + 1 << ',' << e.train_loss << ','
                << e.test_loss << ',' << e.test_metric << ',' << e.seconds << ',' << l + 1;
            if (l < e.layers.size())
              csv << ',' << e.layers[l].dead << ',' << e.layers[l].saturated << ',' << e.layers[l].mean << ','
                  << e.layers[l].std << ',' << e.layers[l].grad_norm;
            else
              csv << ",,,,,";
            csv << ',' << (l < e.learned.size() ? fmt("%g", e.learned[l]) : "") << '\n';
          }
          bar.update(done, done,
                     task.name + " · " + act + " · seed " + std::to_string(seed) + " · epoch " +
                         std::to_string(epoch + 1) + "/" + std::to_string(task.epochs));
        });
        done += task.epochs - static_cast<int64_t>(r.epochs.size());  // a diverged run stops early
        runs.back().push_back(std::move(r));
      }
    }
    bar.clear();
    std::string table = markdown_table(task, runs);
    markdown += table + "\n";
    support::write_file_atomically((fs::path(o.out) / "results.md").string(), markdown);
    plot_task(task, runs, o.out);
    std::printf("%s\n", table.c_str());
    std::fflush(stdout);
  }
  std::printf("wrote %s/results.md, runs.csv and the plots\n", o.out.c_str());
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_activations: %s\n", e.what());
    return 1;
  }
}
