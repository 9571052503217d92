// SavedTensor: version checks, release after backward, and saved outputs that do not keep
// their own node alive (Note [Saved outputs do not own their node]).
#include "doctest/doctest.h"
#include "helpers.h"

using namespace bibun;
using namespace bibun::testing;

TEST_CASE("a node that saves its own output does not keep itself alive") {
  Tensor x = leaf({3});
  std::weak_ptr<Node> node;
  {
    Tensor y = ops::exp(x);  // ExpBackward0 saves its result
    node = grad_fn(y);
    CHECK(node.lock()->name() == "ExpBackward0");
  }
  CHECK(node.expired());
}

TEST_CASE("a saved output restores its grad_fn, so double backward through exp works") {
  Tensor x = leaf({2}, 0.0, ScalarType::Float64);
  Tensor y = sum_all(ops::exp(x));
  tensor_list g = run_backward({y}, make_grad_roots({y}, {}), {x}, BackwardOptions{true, true, false, false});
  CHECK(all_equal(g[0], 1.0));
  Tensor s = sum_all(g[0]);
  tensor_list gg = run_backward({s}, make_grad_roots({s}, {}), {x}, BackwardOptions{false, false, false, false});
  CHECK(all_equal(gg[0], 1.0));
}

TEST_CASE("saved tensors are released after backward unless retain_graph") {
  Tensor x = leaf({3});
  Tensor w = ops::full({3}, Scalar(2.0), ScalarType::Float32);
  Tensor out = sum_all(ops::mul(x, w));  // MulBackward0 saves w (x's gradient needs it)
  backward(out);
  CHECK(all_equal(grad_of(x), 2.0));
  std::string msg = error_of([&] { backward(out); });
  CHECK(contains(msg, "Saved intermediate values of the graph are freed when you call .backward() or autograd.grad()"));
}

TEST_CASE("modifying a saved input in place after the forward is detected") {
  Tensor x = leaf({3});
  Tensor w = ops::full({3}, Scalar(2.0), ScalarType::Float32);
  Tensor out = sum_all(ops::mul(x, w));
  ops::add_(w, scalar(1.0), kOne);
  std::string msg = error_of([&] { backward(out); });
  CHECK(contains(msg, "modified by an inplace operation"));
  CHECK(contains(msg, "[bibun.FloatTensor [3]]"));
}

TEST_CASE("a saved tensor of an op on a leaf keeps the leaf's accumulator reachable") {
  Tensor x = leaf({2}, 3.0);
  Tensor y = ops::mul(x, x);  // saves x twice
  backward(sum_all(y));
  CHECK(all_equal(grad_of(x), 6.0));
}
