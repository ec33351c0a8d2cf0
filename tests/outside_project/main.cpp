// Built against the installed package: include <ember.h>, train a little, check the gradient.
#include <ember.h>

#include <cstdio>

int main() {
  ember::Tensor w = ember::tensor({0.5f, -0.25f}, {2}, true);
  ember::Tensor x = ember::tensor({1, 2, 3, 4}, {2, 2});
  ember::Tensor loss = (x.matmul(w) - 1.0f).pow(2.0f).sum();
  loss.backward();
  std::vector<float> g = w.grad().to_vector();
  // d/dw Σ (xw − 1)² = 2 xᵀ(xw − 1): xw = [0, 0.5] → residual [−1, −0.5] → 2·[−1−1.5, −2−2] = [−5, −8]
  bool ok = g[0] == -5.0f && g[1] == -8.0f;
  std::printf("outside project: %s\n", ok ? "ok" : "wrong gradient");
  return ok ? 0 : 1;
}
