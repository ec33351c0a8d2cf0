#include <ember.h>
#include <gtest/gtest.h>
using namespace ember;
TEST(Smoke, Backward) {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3}, true);
  Tensor b = tensor({1, 2, 3}, {3});
  Tensor y = ((t * b + 1.0f) / 2.0f - t).exp().log().sum();
  y.backward();
  auto g = t.grad().to_vector();
  // d/dt [(t·b + 1)/2 − t] = b/2 − 1
  EXPECT_FLOAT_EQ(g[0], -0.5f);
  EXPECT_FLOAT_EQ(g[1], 0.0f);
  EXPECT_FLOAT_EQ(g[2], 0.5f);
  Tensor w = randn({3, 4}).requires_grad_();
  auto r = gradcheck([](const std::vector<Tensor>& in) { return (in[0].matmul(in[1]).tanh() * in[0].sum({1}, true)).mean({0}); }, {t.detach().requires_grad_(), w});
  EXPECT_TRUE(r.ok) << r.worst;
}
TEST(Smoke, LongChain) {
  Tensor x = ones({1}).requires_grad_();
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = y * 1.0f;
  y.sum().backward();
  EXPECT_EQ(x.grad().item(), 1.0f);
  y = Tensor();
  EXPECT_EQ(live_node_count(), 0);
  Tensor z = x;
  for (int i = 0; i < 1000000; ++i) z = z + 1.0f;
  z = Tensor();
  EXPECT_EQ(live_node_count(), 0);
}
