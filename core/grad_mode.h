// Grad mode: whether ops record the graph. On by default, per thread.
// NoGradGuard turns recording off for a scope (inference, optimizer steps).
// Not the same as Module::eval(), which changes behaviour (dropout, RReLU).
#pragma once

namespace ember {

struct GradMode {
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Turns graph recording off on this thread until the guard goes out of scope.
struct NoGradGuard {
  NoGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

/// Turns graph recording on for a scope (PyTorch's enable_grad), e.g. inside a
/// function that gradcheck calls under NoGradGuard but that needs a graph itself.
struct EnableGradGuard {
  EnableGradGuard() : previous_(GradMode::is_enabled()) { GradMode::set_enabled(true); }
  ~EnableGradGuard() { GradMode::set_enabled(previous_); }
  EnableGradGuard(const EnableGradGuard&) = delete;
  EnableGradGuard& operator=(const EnableGradGuard&) = delete;

 private:
  bool previous_;
};

}  // namespace ember
