// Misuse of the core ops raises ember::Error, and the message names the op and
// the shapes or values involved — a user reading it knows what to fix. Each
// check is a substring of the message.
#include "tests/core_test_util.h"

using namespace ember;
using ember::testing::ThrowsWith;

TEST(ErrorsCore, BroadcastShapeMismatchNamesTheOpAndBothShapes) {
  Tensor a = ones({2, 3}), b = ones({4});
  EXPECT_TRUE(ThrowsWith([&] { a + b; }, {"add", "[2, 3]", "[4]", "broadcast"}));
  EXPECT_TRUE(ThrowsWith([&] { a - b; }, {"sub", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { a* b; }, {"mul", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { a / b; }, {"div", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { maximum(a, b); }, {"maximum", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { minimum(a, b); }, {"minimum", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { pow(a, b); }, {"pow", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { a > b; }, {"gt", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { a == b; }, {"eq", "[2, 3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([&] { where(ones({2}), a, ones({3})); }, {"where", "[2]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        ones({2, 3, 4}) * ones({3, 3, 1});
      },
      {"mul", "[2, 3, 4]", "[3, 3, 1]", "dim 0"}));
  // Shapes that do broadcast raise nothing.
  EXPECT_NO_THROW(ones({2, 1, 4}) * ones({3, 1}));
}

TEST(ErrorsCore, DimsOutOfRange) {
  Tensor x = ones({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { x.sum({2}); }, {"sum", "dim 2", "rank 2"}));
  EXPECT_TRUE(ThrowsWith([&] { x.sum({-3}); }, {"sum", "dim -3", "-2..1"}));
  EXPECT_TRUE(ThrowsWith([&] { x.sum({0, -2}); }, {"sum", "more than once"}));
  EXPECT_TRUE(ThrowsWith([&] { x.mean({5}); }, {"mean", "dim 5"}));
  EXPECT_TRUE(ThrowsWith([&] { x.max(2); }, {"max:", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { min(x, -3); }, {"min", "dim -3"}));
  EXPECT_TRUE(ThrowsWith([&] { x.argmax(-3); }, {"argmax", "dim -3"}));
  EXPECT_TRUE(ThrowsWith([&] { logsumexp(x, 2); }, {"logsumexp", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { x.transpose(0, 2); }, {"transpose", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { x.transpose(-3, 0); }, {"transpose", "dim -3"}));
  EXPECT_TRUE(ThrowsWith([&] { permute(x, {0}); }, {"permute", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { permute(x, {1, 1}); }, {"permute", "repeats"}));
  EXPECT_TRUE(ThrowsWith([&] { permute(x, {0, 2}); }, {"permute", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { squeeze(x, 2); }, {"squeeze", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { unsqueeze(x, 3); }, {"unsqueeze", "dim 3"}));
  EXPECT_TRUE(ThrowsWith([&] { unsqueeze(x, -4); }, {"unsqueeze", "dim -4"}));
  EXPECT_TRUE(ThrowsWith([&] { x.flatten(2); }, {"flatten", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { x.flatten(1, 0); }, {"flatten", "start_dim 1", "end_dim 0"}));
  EXPECT_TRUE(ThrowsWith([&] { narrow(x, 2, 0, 1); }, {"narrow", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { cat({x, x}, 2); }, {"cat", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { stack({x, x}, 3); }, {"stack", "dim 3"}));
  EXPECT_TRUE(ThrowsWith([&] { split(x, 1, -3); }, {"split", "dim -3"}));
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 2, ones({2, 3})); }, {"gather", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { (void)x.size(2); }, {"size", "dim 2"}));
  EXPECT_TRUE(ThrowsWith([&] { ones({2, 2, 2}).t(); }, {"t:", "[2, 2, 2]", "transpose"}));
}

TEST(ErrorsCore, MatmulInnerDimensionMismatch) {
  EXPECT_TRUE(ThrowsWith(
      [] {
        matmul(ones({2, 3}), ones({4, 5}));
      },
      {"matmul", "[2, 3]", "[4, 5]", "3 vs 4"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({3}), ones({4})); }, {"matmul", "[3]", "[4]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({2, 3}), ones({2})); }, {"matmul", "[2, 3]", "[2]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({2}), ones({3, 2})); }, {"matmul", "[2]", "[3, 2]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(ones({2, 2, 3}), ones({4, 2})); }, {"matmul", "[2, 2, 3]", "[4, 2]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        matmul(ones({2, 2, 3}), ones({3, 3, 2}));
      },
      {"matmul", "batch", "[2, 2, 3]", "[3, 3, 2]"}));
  EXPECT_TRUE(ThrowsWith([] { matmul(scalar_tensor(1), ones({2})); }, {"matmul", "at least 1 dim", "[]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        matmul(ones({1, 2, 2, 2}), ones({2, 2}));
      },
      {"matmul", "up to 3 dims", "[1, 2, 2, 2]"}));
  EXPECT_TRUE(ThrowsWith(
      [] {
        matmul(ones({2, 3}), ones({2, 3, 4}));
      },
      {"matmul", "not supported", "[2, 3, 4]"}));
}

TEST(ErrorsCore, ReshapeToTheWrongNumberOfElements) {
  Tensor x = ones({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { x.reshape({4}); }, {"reshape", "[4]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { x.reshape({4, -1}); }, {"reshape", "[4, -1]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { x.reshape({-1, -1}); }, {"reshape", "only one dim can be -1"}));
  EXPECT_TRUE(ThrowsWith([&] { x.reshape({-2, -3}); }, {"reshape", "invalid size -2"}));
  EXPECT_TRUE(ThrowsWith([] { zeros({0}).reshape({0, -1}); }, {"reshape", "[0, -1]"}));
}

TEST(ErrorsCore, CatAndStackWithMismatchedShapes) {
  EXPECT_TRUE(ThrowsWith(
      [] {
        cat({ones({2, 3}), ones({3, 4})}, 0);
      },
      {"cat", "tensor 1", "[3, 4]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { cat({ones({2, 3}), ones({2, 3, 1})}, 0); }, {"cat", "[2, 3, 1]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { cat({}, 0); }, {"cat", "at least one"}));
  EXPECT_TRUE(ThrowsWith([] { cat({scalar_tensor(1), scalar_tensor(2)}); }, {"cat", "zero-dimensional"}));
  EXPECT_TRUE(ThrowsWith([] { stack({ones({2}), ones({3})}); }, {"stack", "tensor 1", "[3]", "[2]"}));
  EXPECT_TRUE(ThrowsWith([] { stack({}); }, {"stack", "at least one"}));
}

TEST(ErrorsCore, IndicesOutOfRange) {
  Tensor x = ones({2, 3});
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({0, 3}, {2, 1})); }, {"gather", "index 3", "size 3"}));
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({-1, 0}, {2, 1})); }, {"gather", "index -1"}));
  EXPECT_TRUE(ThrowsWith(
      [&] {
        gather(x, 1, tensor({0.5f, 0}, {2, 1}));
      },
      {"gather", "index 0.5", "whole number"}));
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({0, 0, 0}, {3, 1})); }, {"gather", "[3, 1]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { gather(x, 1, tensor({0, 0}, {2})); }, {"gather", "[2]", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(x, tensor({2}, {1})); }, {"index_select", "index 2", "size 2"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(x, tensor({0}, {1, 1})); }, {"index_select", "[1, 1]"}));
  EXPECT_TRUE(ThrowsWith([] { one_hot(tensor({0, 4}, {2}), 4); }, {"one_hot", "index 4", "size 4"}));
  EXPECT_TRUE(ThrowsWith([] { one_hot(tensor({0}, {1}), 0); }, {"one_hot", "num_classes", "0"}));
  EXPECT_TRUE(ThrowsWith([&] { narrow(x, 1, 2, 2); }, {"narrow", "[2, 4)", "size 3", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([&] { narrow(x, 0, 0, -1); }, {"narrow", "dim 0"}));
  EXPECT_TRUE(ThrowsWith([&] { split(x, 0, 1); }, {"split", "size", "0"}));
}

TEST(ErrorsCore, ZeroDimTensorsWhereADimIsNeeded) {
  Tensor s = scalar_tensor(1);
  EXPECT_TRUE(ThrowsWith([&] { gather(s, 0, zeros({})); }, {"gather", "[]"}));
  EXPECT_TRUE(ThrowsWith([&] { narrow(s, 0, 0, 1); }, {"narrow", "0-dim"}));
  EXPECT_TRUE(ThrowsWith([&] { split(s, 1, 0); }, {"split", "0-dim"}));
  EXPECT_TRUE(ThrowsWith([&] { index_select(s, zeros({1})); }, {"index_select", "[]"}));
  EXPECT_TRUE(ThrowsWith([&] { (void)s.size(0); }, {"size", "[]"}));
}

TEST(ErrorsCore, ItemOfSeveralElements) {
  EXPECT_TRUE(ThrowsWith([] { ones({2, 3}).item(); }, {"item", "one element", "[2, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { zeros({0}).item(); }, {"item", "[0]"}));
}

TEST(ErrorsCore, EmptyShapesWhereTheyMatter) {
  EXPECT_TRUE(ThrowsWith([] { zeros({0}).max(); }, {"max", "empty", "[0]"}));
  EXPECT_TRUE(ThrowsWith([] { min(zeros({2, 0})); }, {"min", "empty", "[2, 0]"}));
  EXPECT_TRUE(ThrowsWith([] { zeros({2, 0}).max(1); }, {"max:", "dim 1", "size 0", "[2, 0]"}));
  EXPECT_TRUE(ThrowsWith([] { zeros({0, 3}).argmax(0); }, {"argmax", "dim 0", "size 0", "[0, 3]"}));
  // Reductions that have a value on an empty tensor do not throw: the sum is 0.
  EXPECT_NO_THROW(zeros({0}).sum());
  EXPECT_NO_THROW(zeros({2, 0}).max(0));
}

TEST(ErrorsCore, OtherMisuse) {
  EXPECT_TRUE(ThrowsWith([] { zeros({2, -1}); }, {"negative size", "[2, -1]"}));
  EXPECT_TRUE(ThrowsWith([] { expand(ones({2, 3}), {3, 3}); }, {"expand", "[2, 3]", "[3, 3]"}));
  EXPECT_TRUE(ThrowsWith([] { expand(ones({2, 3}), {3}); }, {"expand", "[2, 3]", "[3]"}));
  EXPECT_TRUE(ThrowsWith([] { ones({2}).clamp(1, 0); }, {"clamp", "min 1", "max 0"}));
  EXPECT_TRUE(ThrowsWith([] { sum_to(ones({3}), {2, 3}); }, {"sum_to", "[3]", "[2, 3]"}));
}

TEST(ThreadsErrors, ThreadCountsOpenMPCannotStartAreRefused) {
  // OpenMP starts the threads at the next parallel region and cannot report
  // failure: 40,000 ended the process, 100,000 crashed inside libgomp.
  const int before = get_num_threads();
  EXPECT_TRUE(ThrowsWith([] { set_num_threads(100000); }, {"set_num_threads: 100000 threads", "at most"}));
  EXPECT_TRUE(ThrowsWith([] { set_num_threads(40000); }, {"set_num_threads: 40000"}));
  EXPECT_TRUE(ThrowsWith([] { set_num_threads(0); }, {"set_num_threads: expected at least 1 thread, got 0"}));
  EXPECT_EQ(get_num_threads(), before);  // a refused count changes nothing
  EXPECT_GE(max_num_threads(), 256);
  set_num_threads(max_num_threads());  // the cap itself is accepted
  EXPECT_EQ(get_num_threads(), max_num_threads());
  set_num_threads(before);
}
