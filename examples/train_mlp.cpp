// train_mlp: trains a multilayer perceptron on Fashion-MNIST (the default),
// the MNIST digits, a toy task or your own CSV file — the program the README's
// first command runs, and the example to read for how to train with ember.
//
//   train_mlp                            784-256-256-10, ReLU, dropout 0.1, Adam 1e-3, cosine, 15 epochs
//   train_mlp --dataset spirals --hidden 64,64 --activation tanh --epochs 200
//   train_mlp --resume                   continue the run saved in --out (after Ctrl-C, say)
//   train_mlp --csv penguins.csv --target species --skip-missing --out runs/penguins
//   train_mlp --predict new.csv --checkpoint runs/penguins/checkpoint.safetensors
//
// Read it top-down: the model, the evaluation, then main() — data, model,
// optimizer, and for each epoch: train (zero_grad, forward, loss, backward,
// step), evaluate, report, checkpoint. The plumbing is in examples/support/:
// the options (train_options.h), datasets and optimizers by name (train_data.h,
// train_optimizer.h), CSV files and what --predict needs (train_csv.h), checkpoints and --resume, exact to
// the bit (run_state.h), Ctrl-C (interrupt.h), and the progress bar, metrics.csv, learning curves and
// confusion matrix written into --out (train_report.h).
#include <ember.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "support/activations.h"
#include "support/confusion.h"
#include "support/interrupt.h"
#include "support/run_state.h"
#include "support/train_csv.h"
#include "support/train_data.h"
#include "support/train_optimizer.h"
#include "support/train_options.h"
#include "support/train_report.h"

using namespace ember;

// inputs → [Linear → activation → Dropout] per hidden width → Linear → outputs (the logits).
std::shared_ptr<nn::Sequential> make_model(int64_t inputs, const std::vector<int64_t>& hidden,
                                           const std::string& activation, float dropout, int64_t outputs) {
  auto model = std::make_shared<nn::Sequential>();
  for (int64_t width : hidden) {
    model->push_back(std::make_shared<nn::Linear>(inputs, width));
    model->push_back(support::activations().at(activation)());
    if (dropout > 0) model->push_back(std::make_shared<nn::Dropout>(dropout));
    inputs = width;
  }
  model->push_back(std::make_shared<nn::Linear>(inputs, outputs));
  return model;
}

// The loss of one batch: cross entropy for classes, squared error for regression.
Tensor loss_of(const Tensor& output, const Tensor& target, bool classification, float label_smoothing,
               std::string_view reduction = "mean") {
  return classification ? F::cross_entropy(output, target, reduction, label_smoothing)
                        : F::mse_loss(output, target, reduction);
}

// How many rows' largest output is the target class.
int64_t count_correct(const Tensor& output, const Tensor& target) {
  return static_cast<int64_t>((output.detach().argmax(1) == target).sum().item());
}

struct Evaluation {
  double loss = 0, accuracy = 0;
  support::ConfusionMatrix confusion{0};
};

// The test set's mean loss, accuracy and confusion matrix: eval mode, and no graph.
Evaluation evaluate(nn::Module& model, data::DataLoader& loader, float label_smoothing) {
  NoGradGuard no_grad;  // no graph: nothing will call backward
  model.eval();         // dropout off, RReLU at its mean slope
  const auto& d = loader.dataset();
  Evaluation e{0, 0, support::ConfusionMatrix(d.num_classes)};
  int64_t correct = 0;
  for (auto [x, y] : loader) {
    Tensor out = model(x);
    e.loss += loss_of(out, y, d.is_classification(), label_smoothing, "sum").item();
    if (!d.is_classification()) continue;
    correct += count_correct(out, y);
    e.confusion.add(y.to_vector(), out.argmax(1).to_vector());
  }
  // mse_loss sums squared errors over the output values (one per sample here).
  e.loss /= static_cast<double>(d.size());
  e.accuracy = static_cast<double>(correct) / static_cast<double>(d.size());
  return e;
}

// --predict: a --csv run's model on new rows, scaled with its training rows'
// statistics; the checkpoint (or model file) holds the columns, classes and layers.
int predict(const support::TrainOptions& o) {
  const support::CsvModel saved = support::CsvModel::read(o.checkpoint);
  auto model = make_model(static_cast<int64_t>(saved.features.size()), support::parse_sizes(saved.hidden),
                          saved.activation, saved.dropout, saved.outputs());
  support::load_weights(*model, o.checkpoint);
  NoGradGuard no_grad;
  model->eval();
  Tensor output = (*model)(saved.read_inputs(o.predict));
  saved.write_predictions(output, stdout);  // class and probabilities, or the value
  return 0;
}

int run(int argc, char** argv) {
  support::TrainOptions o;  // every option, its default and its --help text
  if (auto exit_code = support::parse_train_options(argc, argv, o)) return *exit_code;
  if (o.threads > 0) set_num_threads(o.threads);
  if (o.fixed_threads) set_adaptive_threads(false);
  if (!o.predict.empty()) return predict(o);
  std::filesystem::create_directories(o.out);

  // Data: whole datasets in memory; the train loader reshuffles every epoch.
  support::CsvModel csv;  // --csv: the columns, classes and scaling, saved with the model
  data::DatasetSplit data = support::load_data(o, csv);
  const bool classification = data.train.is_classification();
  data::DataLoader train_loader(data.train, o.batch_size, /*shuffle=*/true, o.seed);
  data::DataLoader test_loader(data.test, 1000);

  // Model, optimizer (Adam by default), schedule (cosine). The seed fixes the initial weights.
  manual_seed(o.seed);
  const int64_t outputs = classification ? data.train.num_classes : 1;
  auto model =
      make_model(data.train.num_features(), support::parse_sizes(o.hidden), o.activation, o.dropout, outputs);
  auto optimizer = support::make_optimizer(o, model->parameters());
  auto scheduler = support::make_scheduler(o, *optimizer);

  // Where the run is (epoch, batch, this epoch's sums); --resume restores it from the checkpoint.
  support::RunState state(classification);
  support::Checkpoint checkpoint(o, *model, *optimizer, scheduler.get(), csv.metadata());
  if (o.resume) checkpoint.resume(state, train_loader.size());
  support::TrainReport report(o, data);
  report.start(*model, *optimizer, train_loader.size());

  support::catch_interrupts();  // Ctrl-C sets a flag, looked at after each batch
  std::optional<Evaluation> test;
  while (state.epoch < o.epochs) {
    model->train();  // dropout on
    train_loader.set_epoch(state.epoch);
    const double lr = optimizer->lr();
    state.start_clock();
    support::EpochBar bar(state, o.epochs, train_loader.size(), classification);

    for (; state.batch < train_loader.size(); ++state.batch) {
      auto [x, y] = train_loader.get(state.batch);
      Tensor output = (*model)(x);
      Tensor loss = loss_of(output, y, classification, o.label_smoothing);
      optimizer->zero_grad();
      loss.backward();
      optimizer->step();

      state.loss_sum += loss.item() * static_cast<double>(x.size(0));
      state.seen += x.size(0);
      if (classification) state.correct += count_correct(output, y);
      bar.update(state);
      if (support::interrupted()) {  // Ctrl-C: keep this batch's work, save it, stop
        bar.clear();
        return checkpoint.save_interrupted(state, train_loader.size());
      }
    }
    bar.clear();
    if (scheduler) scheduler->step();

    test = evaluate(*model, test_loader, o.label_smoothing);
    report.epoch(state.end_epoch(test->loss, test->accuracy, lr), state.log);  // the line, metrics.csv
    checkpoint.save(state);  // at the start of the next epoch
  }

  if (!test) test = evaluate(*model, test_loader, o.label_smoothing);  // a resumed finished run
  report.finish(*model, test->confusion, test->accuracy, state.log, csv.metadata());
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "train_mlp: %s\n", e.what());
    return 1;
  }
}
