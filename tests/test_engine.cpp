// The autograd engine: graph shapes (diamonds, reuse, broadcasting), leaf
// accumulation, retain_graph and freeing, the errors backward() raises,
// NoGradGuard (thread-local), detach, retain_grad, the million-op chain, that
// graphs and saved tensors are freed, to_dot, BackwardTrace, and that
// gradcheck itself catches a wrong gradient.
#include <memory>
#include <sstream>
#include <thread>

#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::Near;
using ember::testing::ThrowsWith;
using ember::testing::uniform;

// --- graph shapes -------------------------------------------------------------------

TEST(Engine, DiamondGraphSumsBothPaths) {
  // y = (2x)·(3x) = 6x²: dy/dx = 12x, arriving through two paths that meet at x.
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor a = x * 2.0f, b = x * 3.0f;
  (a * b).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {12, 24}));
}

TEST(Engine, DiamondThroughASharedIntermediateNode) {
  // h = eˣ feeds a short path and a long one: y = h + tanh(2h). The engine must
  // apply h's node once, after both paths have delivered: dy/dx = h·(1 + 2(1 − tanh²(2h))).
  Tensor x = tensor({-0.5f, 0.1f}, {2}, true);
  Tensor h = x.exp();
  (h + (h * 2.0f).tanh()).sum().backward();
  std::vector<float> want;
  for (float v : {-0.5f, 0.1f}) {
    float e = std::exp(v), t = std::tanh(2 * e);
    want.push_back(e * (1 + 2 * (1 - t * t)));
  }
  EXPECT_TRUE(Near(x.grad(), {2}, want));
  EXPECT_GRADCHECK([](auto& v) { return v[0].exp() + (v[0].exp() * 2.0f).tanh(); }, {x});
}

TEST(Engine, TensorUsedTwiceGetsBothGradients) {
  Tensor x = tensor({3, -1}, {2}, true);
  (x * x).sum().backward();  // 2x
  EXPECT_TRUE(Near(x.grad(), {2}, {6, -2}));
  Tensor y = tensor({1, 1}, {2}, true);
  (y + y + y).sum().backward();
  EXPECT_TRUE(Near(y.grad(), {2}, {3, 3}));
  Tensor z = tensor({2}, {1}, true);
  (z.matmul(z) * z).sum().backward();  // z³: 3z²
  EXPECT_TRUE(Near(z.grad(), {1}, {12}));
}

TEST(Engine, BroadcastGradientsAreSummedBackToTheInputShape) {
  Tensor col = ones({3, 1}).requires_grad_(), row = ones({1, 4}).requires_grad_(),
         s = ones({}).requires_grad_();
  (col * row + s).sum().backward();
  EXPECT_TRUE(Near(col.grad(), {3, 1}, {4, 4, 4}));
  EXPECT_TRUE(Near(row.grad(), {1, 4}, {3, 3, 3, 3}));
  EXPECT_TRUE(Near(s.grad(), {}, {12}));
  Tensor v = tensor({1, 2, 3, 4}, {4}, true);
  (ones({2, 3, 4}) * v).sum().backward();
  EXPECT_TRUE(Near(v.grad(), {4}, {6, 6, 6, 6}));
}

TEST(Engine, InputsNotRequiringGradGetNoGradient) {
  Tensor x = tensor({1, 2}, {2}, true), c = tensor({5, 6}, {2});
  (x * c).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {5, 6}));
  EXPECT_FALSE(c.grad().defined());
}

// --- accumulation and the seed ---------------------------------------------------------------

TEST(Engine, LeafGradientsAccumulateUntilZeroed) {
  Tensor x = tensor({1, 2}, {2}, true);
  (x * 3.0f).sum().backward();
  (x * 3.0f).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {6, 6}));
  x.grad().zero_();
  (x * x).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {2, 4}));
  x.set_grad({});
  EXPECT_FALSE(x.grad().defined());
  (x * 2.0f).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {2, 2}));
}

TEST(Engine, ExplicitGradientIsNeverAliasedByTheLeafGradient) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor g = tensor({1, 10}, {2});
  (x + 0.0f).backward(g);  // AddBackward passes g straight through to x
  EXPECT_TRUE(Near(x.grad(), {2}, {1, 10}));
  (x + 0.0f).backward(g);  // accumulates into x's own buffer, not into g
  EXPECT_TRUE(Near(g, {2}, {1, 10}));
  EXPECT_TRUE(Near(x.grad(), {2}, {2, 20}));
}

TEST(Engine, NonScalarRootWithAGradient) {
  Tensor x = tensor({1, 2, 3}, {3}, true);
  (x * x).backward(tensor({1, 0, -1}, {3}));
  EXPECT_TRUE(Near(x.grad(), {3}, {2, 0, -6}));
}

TEST(Engine, OneElementRootNeedsNoGradient) {
  Tensor x = tensor({2}, {1, 1}, true);
  (x * x).backward();
  EXPECT_TRUE(Near(x.grad(), {1, 1}, {4}));
}

TEST(Engine, BackwardOnALeafAccumulatesIntoIt) {
  Tensor x = tensor({5}, {}, true);
  x.backward();
  x.backward();
  EXPECT_TRUE(Near(x.grad(), {}, {2}));
}

// --- errors ------------------------------------------------------------------------------

TEST(Engine, NonScalarRootWithoutGradientIsAnError) {
  Tensor y = tensor({1, 2}, {2}, true) * 2.0f;
  EXPECT_TRUE(ThrowsWith([&] { y.backward(); }, {"backward", "scalar", "[2]", "gradient"}));
}

TEST(Engine, BackwardOnATensorNotRequiringGradIsAnError) {
  Tensor y = ones({2}) * 2.0f;
  EXPECT_TRUE(ThrowsWith([&] { y.sum().backward(); }, {"backward", "does not require grad"}));
  EXPECT_TRUE(ThrowsWith([] { Tensor().backward(); }, {"backward", "undefined"}));
}

TEST(Engine, GradientOfTheWrongShapeIsAnError) {
  Tensor y = tensor({1, 2}, {2}, true) * 2.0f;
  EXPECT_TRUE(ThrowsWith([&] { y.backward(ones({3})); }, {"backward", "[3]", "[2]"}));
  EXPECT_TRUE(ThrowsWith([&] { y.backward(ones({2, 1})); }, {"backward", "[2, 1]", "[2]"}));
}

TEST(Engine, SecondBackwardWithoutRetainGraphIsAnError) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor loss = (x * x).sum();
  loss.backward();
  EXPECT_TRUE(ThrowsWith([&] { loss.backward(); }, {"backward", "second time", "retain_graph"}));
  // The same through a freed part shared with a new graph.
  Tensor y = x.exp();
  y.sum().backward();
  EXPECT_TRUE(ThrowsWith([&] { (y * 3.0f).sum().backward(); }, {"ExpBackward", "retain_graph"}));
}

// PyTorch's version counter: a backward refuses to run on values that were
// changed in place after its op saved them, instead of giving a wrong gradient.
TEST(Engine, InPlaceChangeToASavedTensorIsAnError) {
  Tensor x = tensor({1, 2}, {2}, true), w = tensor({3, 4}, {2});
  Tensor loss = (x * w).sum();  // MulBackward saved w (x's gradient is w)
  EXPECT_EQ(w.version(), 0);
  w.fill_(5.0f);
  EXPECT_EQ(w.version(), 1);
  EXPECT_TRUE(
      ThrowsWith([&] { loss.backward(); }, {"MulBackward", "shape [2]", "modified by an in-place operation",
                                            "version 1", "expected version 0", "clone()"}));
  EXPECT_FALSE(x.grad().defined());  // nothing was accumulated
}

TEST(Engine, InPlaceChangeToASavedOutputThroughDetachIsAnError) {
  Tensor x = tensor({0.5f, 1}, {2}, true);
  Tensor y = x.exp();        // ExpBackward saved y: its gradient is g·y
  Tensor view = y.detach();  // same values, same version counter
  view.copy_(tensor({0, 0}, {2}));
  EXPECT_EQ(y.version(), 1);
  EXPECT_TRUE(ThrowsWith([&] { y.sum().backward(); }, {"ExpBackward", "in-place"}));
}

TEST(Engine, InPlaceChangeToATensorNoOpSavedIsFine) {
  Tensor x = tensor({1, 2}, {2}, true), b = tensor({3, 4}, {2});
  Tensor y = (x + b).sum();  // add saves nothing: its gradient does not read b
  b.fill_(7.0f);
  y.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{1, 1}));
}

TEST(Engine, OptimizerStepBetweenTwoBackwardsOfOneGraphIsAnError) {
  manual_seed(0);
  nn::Linear layer(3, 2);
  optim::SGD sgd(layer.parameters(), optim::SGDOptions{.lr = 0.1f});
  Tensor loss = layer(randn({4, 3})).pow(2.0f).sum();
  loss.backward({}, /*retain_graph=*/true);
  sgd.step();  // the weight LinearBackward saved is now different
  EXPECT_TRUE(ThrowsWith([&] { loss.backward(); }, {"LinearBackward", "shape [2, 3]", "in-place"}));
  // The usual order — forward, backward, step, forward again — never trips it.
  for (int i = 0; i < 3; ++i) {
    sgd.zero_grad();
    layer(randn({4, 3})).pow(2.0f).sum().backward();
    sgd.step();
  }
}

TEST(Engine, RetainGraphAllowsAnotherBackward) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor loss = (x * x).sum();
  loss.backward({}, true);
  loss.backward({}, true);
  loss.backward();
  EXPECT_TRUE(Near(x.grad(), {2}, {6, 12}));
  EXPECT_TRUE(ThrowsWith([&] { loss.backward(); }, {"retain_graph"}));
}

// --- grad mode, detach, retain_grad, leaves ------------------------------------------------

TEST(Engine, NoGradGuardStopsRecordingAndRestores) {
  Tensor x = tensor({1, 2}, {2}, true);
  {
    NoGradGuard guard;
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = x * 2.0f;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_TRUE(y.is_leaf());
    { NoGradGuard nested; }
    EXPECT_FALSE(GradMode::is_enabled());  // the inner guard restores "off", not "on"
  }
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE((x * 2.0f).requires_grad());
}

TEST(Engine, NoGradGuardIsThreadLocal) {
  Tensor x = tensor({1, 2}, {2}, true);
  NoGradGuard guard;
  bool other_records = false, other_enabled = false;
  std::thread worker([&] {
    other_enabled = GradMode::is_enabled();
    Tensor y = x * 2.0f;
    other_records = y.requires_grad() && y.grad_fn() != nullptr;
  });
  worker.join();
  EXPECT_TRUE(other_enabled);
  EXPECT_TRUE(other_records);
  EXPECT_FALSE((x * 2.0f).requires_grad());  // this thread still does not
}

TEST(Engine, GuardInAnotherThreadDoesNotAffectThisOne) {
  Tensor x = tensor({1}, {1}, true);
  std::thread worker([] { NoGradGuard guard; });
  worker.join();
  EXPECT_TRUE(GradMode::is_enabled());
  EXPECT_TRUE((x * 2.0f).requires_grad());
}

TEST(Engine, DetachStopsTheGradient) {
  Tensor x = tensor({1, 2}, {2}, true);
  (x * x.detach()).sum().backward();  // only one factor is differentiated: x, not 2x
  EXPECT_TRUE(Near(x.grad(), {2}, {1, 2}));
}

TEST(Engine, RetainGradKeepsANonLeafGradient) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor h = x * 3.0f, k = x * 2.0f;
  h.retain_grad();
  (h * h + k).sum().backward();
  EXPECT_TRUE(Near(h.grad(), {2}, {6, 12}));   // 2h
  EXPECT_FALSE(k.grad().defined());            // non-leaves keep no gradient by default
  EXPECT_TRUE(Near(x.grad(), {2}, {20, 38}));  // 2h·3 + 2
  Tensor root = x * 1.0f;
  root.retain_grad();
  root.backward(tensor({4, 5}, {2}));
  EXPECT_TRUE(Near(root.grad(), {2}, {4, 5}));
  EXPECT_TRUE(ThrowsWith([] { ones({1}).retain_grad(); }, {"retain_grad", "does not require grad"}));
}

TEST(Engine, LeafAndNonLeaf) {
  Tensor x = tensor({1}, {1}, true), c = tensor({1}, {1});
  EXPECT_TRUE(x.is_leaf());
  EXPECT_TRUE(c.is_leaf());
  EXPECT_FALSE((x * 2.0f).is_leaf());
  EXPECT_TRUE((c * 2.0f).is_leaf());  // nothing to differentiate: no node, a leaf like in PyTorch
  EXPECT_STREQ((x * 2.0f).grad_fn()->name(), "MulBackward");
  EXPECT_EQ(x.grad_fn(), nullptr);
}

// --- freeing --------------------------------------------------------------------------------

TEST(Engine, MillionOpChainDoesNotOverflow) {
  const int64_t before = live_node_count();
  Tensor x = tensor({2}, {1}, true);
  Tensor y = x;
  for (int i = 0; i < 1000000; ++i) y = (i % 2 == 0) ? y * 1.0f : y + 0.0f;
  EXPECT_EQ(live_node_count(), before + 1000000);
  y.sum().backward();  // an iterative walk: no recursion a million deep
  EXPECT_EQ(x.grad().item(), 1.0f);
  y = Tensor();  // an iterative destruction too
  EXPECT_EQ(live_node_count(), before);
}

TEST(Engine, MillionOpChainDroppedWithoutBackwardIsFreed) {
  const int64_t before = live_node_count();
  Tensor x = tensor({1}, {1}, true);
  Tensor y = x.exp();
  for (int i = 0; i < 1000000; ++i) y = y + 1.0f;
  y = Tensor();
  EXPECT_EQ(live_node_count(), before);
}

TEST(Engine, GraphsDroppedWithoutBackwardAreFreed) {
  const int64_t before = live_node_count();
  Tensor w = uniform({4, 3}, -1, 1), b = uniform({3}, -1, 1), x = uniform({5, 4}, -1, 1, 3, false);
  {
    Tensor h = (x.matmul(w) + b).tanh();
    Tensor loss = (h - 1.0f).pow(2).mean() + cat({h, h}, 0).max();
    EXPECT_GT(live_node_count(), before + 5);
  }
  EXPECT_EQ(live_node_count(), before);
}

TEST(Engine, GraphIsFreedWithItsLastOutputAfterBackward) {
  const int64_t before = live_node_count();
  Tensor w = uniform({4, 3}, -1, 1);
  {
    Tensor loss = (uniform({5, 4}, -1, 1, 2, false).matmul(w).sigmoid() * 2.0f).sum();
    loss.backward();
    EXPECT_GT(live_node_count(), before);  // the nodes live while loss does, their saved values gone
  }
  EXPECT_EQ(live_node_count(), before);
  EXPECT_TRUE(w.grad().defined());
}

TEST(Engine, BackwardReleasesSavedTensorsUnlessRetainGraph) {
  for (bool retain : {false, true}) {
    SCOPED_TRACE(retain ? "retain_graph" : "no retain_graph");
    Tensor x = uniform({1000}, -1, 1);
    Tensor e = (x * 2.0f).exp();  // ExpBackward saves its output's storage
    std::weak_ptr<Storage> saved = e.impl()->storage;
    Tensor loss = e.sum();
    e = Tensor();  // only the graph holds that storage now
    ASSERT_FALSE(saved.expired());
    loss.backward({}, retain);
    EXPECT_EQ(saved.expired(), !retain);
    loss = Tensor();
    EXPECT_TRUE(saved.expired());  // and with the graph, the rest
  }
}

TEST(Engine, LeafGradientsNeverShareValues) {
  // The engine keeps a gradient nobody else holds as the leaf's .grad()
  // without a copy; one that several leaves or the caller hold is copied.
  Tensor a = tensor({1, 2}, {2}, true), b = tensor({3, 4}, {2}, true), seed = tensor({1, 1}, {2});
  (a + b).backward(seed);  // AddBackward hands the same gradient to both
  a.backward(seed);        // a leaf root: the caller's tensor itself
  EXPECT_NE(a.grad().data(), b.grad().data());
  EXPECT_NE(a.grad().data(), seed.data());
  EXPECT_NE(b.grad().data(), seed.data());
  a.grad().data()[0] = 100;
  EXPECT_EQ(b.grad().to_vector(), (std::vector<float>{1, 1}));
  EXPECT_EQ(seed.to_vector(), (std::vector<float>{1, 1}));
  EXPECT_EQ(a.grad().to_vector(), (std::vector<float>{100, 2}));
}

TEST(Engine, TrainingStepsDoNotGrowTheAllocatorCache) {
  // Every buffer of a step goes back to the cache and the next step reuses it:
  // after two steps (the first one's weight gradient becomes w.grad(), the
  // second one's is added into it and returns), the memory the allocator
  // holds stays the same.
  Tensor w = uniform({64, 32}, -1, 1), x = uniform({128, 64}, -1, 1, 3, false);
  auto step = [&] {
    Tensor loss = (x.matmul(w).tanh() - 0.5f).pow(2).mean();
    loss.backward();
    w.grad().zero_();
  };
  detail::empty_allocator_cache();
  step();
  step();
  size_t after_first = detail::allocator_cached_bytes();
  EXPECT_GT(after_first, size_t{128 * 32 * 4});  // the [128, 32] activations came back
  for (int i = 0; i < 5; ++i) step();
  EXPECT_EQ(detail::allocator_cached_bytes(), after_first);
}

// --- to_dot and the trace ------------------------------------------------------------------------

TEST(Engine, ToDotDrawsOpsShapesAndLeaves) {
  Tensor w = tensor({0.5f, -1}, {2}, true), x = tensor({1, 2}, {2}), b = tensor({0.1f}, {1}, true);
  Tensor loss = ((w * x + b).tanh() - 1.0f).pow(2).mean();
  std::string dot = to_dot(loss);
  EXPECT_EQ(dot.rfind("digraph ember {", 0), 0u);
  EXPECT_EQ(dot.substr(dot.size() - 2), "}\n");
  for (const char* op :
       {"MulBackward", "AddBackward", "TanhBackward", "PowBackward", "SumBackward", "DivBackward"})
    EXPECT_NE(dot.find(op), std::string::npos) << op;
  EXPECT_NE(dot.find("MulBackward\\n[2]"), std::string::npos);  // the op's output shape
  EXPECT_NE(dot.find("SumBackward\\n[]"), std::string::npos);
  EXPECT_NE(dot.find("leaf (requires_grad)\\n[2]"), std::string::npos);  // w
  EXPECT_NE(dot.find("leaf (requires_grad)\\n[1]"), std::string::npos);  // b
  size_t leaves = 0;
  for (size_t at = dot.find("shape=ellipse"); at != std::string::npos; at = dot.find("shape=ellipse", at + 1))
    ++leaves;
  EXPECT_EQ(leaves, 2u);  // x does not require grad: not drawn
  EXPECT_NE(dot.find(" -> "), std::string::npos);
}

TEST(Engine, ToDotOptionsAndLoneLeaf) {
  Tensor w = tensor({3, 4}, {2}, true);
  Tensor y = (w * 2.0f).sum();
  y.backward({}, true);
  std::string dot = to_dot(y, {.values = true, .gradients = true});
  EXPECT_NE(dot.find("value [3, 4]"), std::string::npos);  // the leaf w
  EXPECT_NE(dot.find("value [14]"), std::string::npos);
  EXPECT_NE(dot.find("grad [2, 2]"), std::string::npos);
  std::string lone = to_dot(w);
  EXPECT_NE(lone.find("leaf\\n[2]"), std::string::npos);
  EXPECT_EQ(to_dot(Tensor()).find("digraph"), 0u);
}

TEST(Engine, BackwardTracePrintsEachNodeInOrder) {
  Tensor x = tensor({1, 2}, {2}, true);
  Tensor loss = (x.exp() * 3.0f).sum();
  std::ostringstream out;
  {
    BackwardTrace trace(out);
    loss.backward();
  }
  std::string text = out.str();
  size_t s1 = text.find("step 1: SumBackward"), s2 = text.find("step 2: MulBackward"),
         s3 = text.find("step 3: ExpBackward");
  ASSERT_NE(s1, std::string::npos) << text;
  ASSERT_NE(s2, std::string::npos) << text;
  ASSERT_NE(s3, std::string::npos) << text;
  EXPECT_LT(s1, s2);
  EXPECT_LT(s2, s3);
  EXPECT_EQ(text.find("step 4"), std::string::npos);
  EXPECT_NE(text.find("leaf [2] (.grad accumulates)", s3), std::string::npos);
  // Once the trace is gone, backward prints nothing.
  std::string before = out.str();
  (x * 2.0f).sum().backward();
  EXPECT_EQ(out.str(), before);
}

// --- gradcheck itself ------------------------------------------------------------------------------

namespace {
// x² with a wrong backward (x instead of 2x): gradcheck must notice.
Tensor bad_square(const Tensor& x) {
  Tensor y = x.detach() * x.detach();
  if (needs_grad(x))
    record("BadSquareBackward", y, {x}, [x = x.detach()](const Tensor& g) { return grads(g * x); });
  return y;
}
}  // namespace

TEST(Gradcheck, CatchesAWrongGradient) {
  GradcheckResult r = gradcheck([](auto& v) { return bad_square(v[0]); }, {tensor({1, 2, 3}, {3}, true)});
  EXPECT_FALSE(r.ok);
  EXPECT_GT(r.worst_error, 1.0);
  EXPECT_NE(r.worst.find("input 0"), std::string::npos) << r.worst;
}

TEST(Gradcheck, PassesARightGradientAndLeavesTheInputsAlone) {
  Tensor x = tensor({1, 2, 3}, {3}, true);
  GradcheckResult r = gradcheck([](auto& v) { return v[0] * v[0]; }, {x});
  EXPECT_TRUE(r.ok) << r.worst;
  EXPECT_LT(r.worst_error, 1.0);
  EXPECT_FALSE(x.grad().defined());  // gradcheck works on copies
  EXPECT_TRUE(Near(x, {3}, {1, 2, 3}));
}

TEST(Gradcheck, SkipsInputsNotRequiringGrad) {
  Tensor idx = tensor({1, 0}, {2, 1});  // an index: not differentiable
  GradcheckResult r =
      gradcheck([](auto& v) { return gather(v[0], 1, v[1]); }, {tensor({1, 2, 3, 4}, {2, 2}, true), idx});
  EXPECT_TRUE(r.ok) << r.worst;
}
