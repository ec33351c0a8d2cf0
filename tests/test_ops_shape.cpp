// Shape ops (reshape, flatten, squeeze, unsqueeze, transpose, t, permute,
// expand, narrow, split, cat, stack), matrix products in every supported
// rank combination, and indexing (gather, index_select, one_hot): forward on
// hand-computed values and gradcheck.
#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::Near;
using ember::testing::uniform;

namespace {
Tensor m23() { return tensor({1, 2, 3, 4, 5, 6}, {2, 3}); }
}  // namespace

// --- reshape family --------------------------------------------------------------------

TEST(OpsShape, ReshapeInfersMinusOneAndSharesStorage) {
  Tensor x = arange(0, 12);
  Tensor y = x.reshape({3, -1});
  EXPECT_EQ(y.shape(), (Shape{3, 4}));
  EXPECT_EQ(x.reshape({-1, 2, 3}).shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(x.reshape({-1}).shape(), (Shape{12}));
  EXPECT_EQ(y.data(), x.data());  // a view: same buffer
  EXPECT_EQ(scalar_tensor(1).reshape({1, 1}).shape(), (Shape{1, 1}));
  EXPECT_EQ(ones({1}).reshape({}).shape(), (Shape{}));
}

TEST(OpsShape, FlattenSqueezeUnsqueeze) {
  Tensor x = zeros({2, 3, 4, 5});
  EXPECT_EQ(x.flatten().shape(), (Shape{120}));
  EXPECT_EQ(x.flatten(1).shape(), (Shape{2, 60}));
  EXPECT_EQ(x.flatten(1, 2).shape(), (Shape{2, 12, 5}));
  EXPECT_EQ(x.flatten(-3, -2).shape(), (Shape{2, 12, 5}));
  EXPECT_EQ(scalar_tensor(1).flatten().shape(), (Shape{1}));
  Tensor y = zeros({3, 1, 2});
  EXPECT_EQ(squeeze(y, 1).shape(), (Shape{3, 2}));
  EXPECT_EQ(squeeze(y, -2).shape(), (Shape{3, 2}));
  EXPECT_EQ(squeeze(y, 0).shape(), (Shape{3, 1, 2}));  // not 1: left alone (PyTorch)
  EXPECT_EQ(unsqueeze(y, 0).shape(), (Shape{1, 3, 1, 2}));
  EXPECT_EQ(unsqueeze(y, 3).shape(), (Shape{3, 1, 2, 1}));
  EXPECT_EQ(unsqueeze(y, -1).shape(), (Shape{3, 1, 2, 1}));
  EXPECT_EQ(unsqueeze(scalar_tensor(1), 0).shape(), (Shape{1}));
}

TEST(OpsShape, TransposeTPermute) {
  EXPECT_TRUE(Near(m23().t(), {3, 2}, {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(Near(m23().transpose(0, 1), {3, 2}, {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(Near(m23().transpose(-1, -2), {3, 2}, {1, 4, 2, 5, 3, 6}));
  EXPECT_TRUE(Near(tensor({1, 2}, {2}).t(), {2}, {1, 2}));
  EXPECT_TRUE(Near(transpose(scalar_tensor(5), 0, -1), {}, {5}));
  Tensor c = arange(0, 24).reshape({2, 3, 4});
  // out[k][i][j] = c[i][j][k]
  Tensor p = permute(c, {2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_TRUE(Near(p.flatten(1), {4, 6},
                   {0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23}));
  Tensor q = c.transpose(0, 2);  // out[k][j][i] = c[i][j][k]
  EXPECT_EQ(q.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(q.data()[1], 12.0f);  // q[0][0][1] = c[1][0][0]
  EXPECT_EQ(q.data()[2], 4.0f);   // q[0][1][0] = c[0][1][0]
  EXPECT_TRUE(Near(permute(permute(c, {2, 0, 1}), {1, 2, 0}), {2, 3, 4}, c.to_vector()));
}

TEST(OpsShape, ExpandCopiesAlongBroadcastDims) {
  EXPECT_TRUE(Near(expand(tensor({1, 2}, {2, 1}), {2, 3}), {2, 3}, {1, 1, 1, 2, 2, 2}));
  EXPECT_TRUE(Near(expand(tensor({1, 2}, {2}), {2, 2}), {2, 2}, {1, 2, 1, 2}));
  EXPECT_TRUE(Near(expand(scalar_tensor(4), {3}), {3}, {4, 4, 4}));
}

TEST(OpsShape, NarrowAndSplit) {
  Tensor x = arange(0, 12).reshape({3, 4});
  EXPECT_TRUE(Near(narrow(x, 0, 1, 2), {2, 4}, {4, 5, 6, 7, 8, 9, 10, 11}));
  EXPECT_TRUE(Near(narrow(x, 1, 1, 2), {3, 2}, {1, 2, 5, 6, 9, 10}));
  EXPECT_TRUE(Near(narrow(x, -1, -1, 1), {3, 1}, {3, 7, 11}));  // negative start counts from the end
  EXPECT_EQ(narrow(x, 1, 4, 0).shape(), (Shape{3, 0}));
  std::vector<Tensor> parts = split(x, 3, 1);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_TRUE(Near(parts[0], {3, 3}, {0, 1, 2, 4, 5, 6, 8, 9, 10}));
  EXPECT_TRUE(Near(parts[1], {3, 1}, {3, 7, 11}));  // the last piece is smaller
  EXPECT_EQ(split(x, 1, 0).size(), 3u);
  EXPECT_EQ(split(x, 10, -1).size(), 1u);
}

TEST(OpsShape, CatAndStack) {
  Tensor a = tensor({1, 2, 3, 4}, {2, 2}), b = tensor({5, 6}, {1, 2}), c = tensor({7, 8}, {2, 1});
  EXPECT_TRUE(Near(cat({a, b}), {3, 2}, {1, 2, 3, 4, 5, 6}));
  EXPECT_TRUE(Near(cat({a, c}, 1), {2, 3}, {1, 2, 7, 3, 4, 8}));
  EXPECT_TRUE(Near(cat({a, c, a}, -1), {2, 5}, {1, 2, 7, 1, 2, 3, 4, 8, 3, 4}));
  EXPECT_TRUE(Near(cat({a}), {2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(Near(cat({zeros({0, 2}), b}), {1, 2}, {5, 6}));
  Tensor u = tensor({1, 2}, {2}), v = tensor({3, 4}, {2});
  EXPECT_TRUE(Near(stack({u, v}), {2, 2}, {1, 2, 3, 4}));
  EXPECT_TRUE(Near(stack({u, v}, 1), {2, 2}, {1, 3, 2, 4}));
  EXPECT_TRUE(Near(stack({u, v}, -1), {2, 2}, {1, 3, 2, 4}));
  EXPECT_TRUE(Near(stack({scalar_tensor(1), scalar_tensor(2)}), {2}, {1, 2}));
}

// --- matmul -----------------------------------------------------------------------------

TEST(OpsMatmul, MatrixTimesMatrix) {
  Tensor b = tensor({1, 0, 2, -1, 3, 1}, {3, 2});
  // [[1,2,3],[4,5,6]]·[[1,0],[2,-1],[3,1]] = [[14, 1], [32, 1]]
  EXPECT_TRUE(Near(m23().matmul(b), {2, 2}, {14, 1, 32, 1}));
  EXPECT_TRUE(Near(matmul(zeros({2, 0}), zeros({0, 3})), {2, 3}, {0, 0, 0, 0, 0, 0}));  // empty inner dim
}

TEST(OpsMatmul, VectorsAsInTorchMatmul) {
  Tensor u = tensor({1, 2, 3}, {3}), w = tensor({4, 5, 6}, {3});
  EXPECT_TRUE(Near(matmul(u, w), {}, {32}));  // dot product: a 0-d tensor
  EXPECT_TRUE(Near(matmul(m23(), u), {2}, {14, 32}));
  EXPECT_TRUE(Near(matmul(tensor({1, -1}, {2}), m23()), {3}, {-3, -3, -3}));
  Tensor batch = arange(0, 12).reshape({2, 2, 3});
  EXPECT_TRUE(Near(matmul(batch, u), {2, 2}, {8, 26, 44, 62}));
}

TEST(OpsMatmul, BatchedTimesMatrixAndBatchedTimesBatched) {
  Tensor a = arange(0, 12).reshape({2, 2, 3});  // [[0,1,2],[3,4,5]], [[6,7,8],[9,10,11]]
  Tensor b = tensor({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_TRUE(Near(a.matmul(b), {2, 2, 2}, {2, 3, 8, 9, 14, 15, 20, 21}));
  Tensor bb = tensor({1, 0, 0, 1, 1, 1, 2, 0, 0, 2, 0, 0}, {2, 3, 2});
  // batch 0 as above; batch 1: [[6,7,8],[9,10,11]]·[[2,0],[0,2],[0,0]] = [[12,14],[18,20]]
  EXPECT_TRUE(Near(a.matmul(bb), {2, 2, 2}, {2, 3, 8, 9, 12, 14, 18, 20}));
}

TEST(OpsMatmulGradcheck, EveryRankCombination) {
  Tensor m = uniform({2, 3}, -1, 1, 1), n = uniform({3, 4}, -1, 1, 2), v = uniform({3}, -1, 1, 3),
         w = uniform({3}, -1, 1, 4), b3 = uniform({2, 2, 3}, -1, 1, 5), c3 = uniform({2, 3, 4}, -1, 1, 6),
         r = uniform({2}, -1, 1, 7);
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {m, n});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {v, w});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {m, v});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {r, m});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {b3, n});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {b3, c3});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[1]); }, {b3, v});
  EXPECT_GRADCHECK([](auto& x) { return x[0].matmul(x[0].t()); }, {m});  // both sides the same tensor
}

// --- indexing ----------------------------------------------------------------------------

TEST(OpsIndex, GatherAlongEachDim) {
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(Near(gather(x, 1, tensor({2, 0, 1, 1}, {2, 2})), {2, 2}, {3, 1, 5, 5}));
  EXPECT_TRUE(Near(gather(x, 1, tensor({1, 2}, {2, 1})), {2, 1}, {2, 6}));  // what cross-entropy picks
  EXPECT_TRUE(Near(gather(x, 0, tensor({1, 0, 1}, {1, 3})), {1, 3}, {4, 2, 6}));
  EXPECT_TRUE(Near(gather(x, -1, tensor({0, 0}, {2, 1})), {2, 1}, {1, 4}));
}

TEST(OpsIndex, IndexSelectAndOneHot) {
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_TRUE(Near(index_select(x, tensor({2, 0, 2}, {3})), {3, 2}, {5, 6, 1, 2, 5, 6}));
  EXPECT_TRUE(Near(one_hot(tensor({0, 2, 1}, {3}), 3), {3, 3}, {1, 0, 0, 0, 0, 1, 0, 1, 0}));
  EXPECT_TRUE(Near(one_hot(tensor({1, 0}, {2, 1}), 2), {2, 1, 2}, {0, 1, 1, 0}));
  EXPECT_FALSE(one_hot(tensor({0}, {1}, true), 2).requires_grad());
}

TEST(OpsIndex, GatherAndIndexSelectAccumulateRepeatedIndices) {
  Tensor x = tensor({1, 2, 3}, {1, 3}, true);
  gather(x, 1, tensor({2, 2, 0}, {1, 3})).sum().backward();
  EXPECT_TRUE(Near(x.grad(), {1, 3}, {1, 0, 2}));
  Tensor y = tensor({1, 2, 3, 4}, {2, 2}, true);
  index_select(y, tensor({1, 1, 1}, {3})).sum().backward();
  EXPECT_TRUE(Near(y.grad(), {2, 2}, {0, 0, 3, 3}));
}

// --- gradcheck of the shape and indexing ops ------------------------------------------------

TEST(OpsShapeGradcheck, ViewsAndCopies) {
  Tensor x = uniform({2, 3, 4}, -1, 1, 31);
  EXPECT_GRADCHECK([](auto& v) { return v[0].reshape({4, -1}) * arange(0, 6); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].flatten(1) * arange(0, 12); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return squeeze(unsqueeze(v[0], 1), 1) * 2.0f; }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].transpose(0, 2); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return permute(v[0], {1, 2, 0}); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return v[0].reshape({6, 4}).t(); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return expand(v[0], {2, 3, 4}); }, {uniform({3, 1}, -1, 1)});
  EXPECT_GRADCHECK([](auto& v) { return expand(v[0], {2, 3}); }, {uniform({}, -1, 1)});
  EXPECT_GRADCHECK([](auto& v) { return narrow(v[0], 1, 1, 2); }, {x});
  EXPECT_GRADCHECK([](auto& v) { return narrow(v[0], -1, 0, 3).exp(); }, {x});
  EXPECT_GRADCHECK(
      [](auto& v) {
        std::vector<Tensor> p = split(v[0], 3, 2);
        return p[0].sum({2}) * p[1].sum({2});
      },
      {x});
}

TEST(OpsShapeGradcheck, CatStackWithSomeInputsNotRequiringGrad) {
  Tensor a = uniform({2, 3}, -1, 1, 1), b = uniform({2, 1}, -1, 1, 2), c = uniform({2, 2}, -1, 1, 3, false);
  EXPECT_GRADCHECK([](auto& v) { return cat({v[0], v[1], v[2]}, 1); }, {a, b, c});
  EXPECT_GRADCHECK([](auto& v) { return cat({v[0], v[0].t()}, 0); }, {uniform({3, 3}, -1, 1)});
  EXPECT_GRADCHECK([](auto& v) { return stack({v[0], v[1] * 2.0f}, 1); }, {a, uniform({2, 3}, -1, 1, 4)});
  EXPECT_GRADCHECK([](auto& v) { return stack({v[0], v[0]}, -1); }, {a});
}

TEST(OpsIndexGradcheck, GatherIndexSelect) {
  Tensor x = uniform({3, 4}, -1, 1, 41);
  Tensor idx1 = tensor({3, 0, 0, 1, 2, 2}, {3, 2}), idx0 = tensor({2, 0, 1, 1}, {1, 4}),
         rows = tensor({2, 0, 2}, {3});
  EXPECT_GRADCHECK([idx1](auto& v) { return gather(v[0], 1, idx1); }, {x});
  EXPECT_GRADCHECK([idx0](auto& v) { return gather(v[0], 0, idx0); }, {x});
  EXPECT_GRADCHECK([rows](auto& v) { return index_select(v[0], rows); }, {x});
  // Cross-entropy by hand: logsumexp(x) − x[target], averaged.
  Tensor target = tensor({1, 3, 0}, {3, 1});
  EXPECT_GRADCHECK([target](auto& v) { return (logsumexp(v[0], 1, true) - gather(v[0], 1, target)).mean(); },
                   {x});
  Tensor hot = one_hot(tensor({1, 3, 0}, {3}), 4);  // the same loss through one_hot
  EXPECT_GRADCHECK([hot](auto& v) { return -((v[0] - logsumexp(v[0], 1, true)) * hot).sum({1}).mean(); },
                   {x});
}
