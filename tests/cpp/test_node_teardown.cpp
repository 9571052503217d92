// Node lifetime: graphs are freed when their outputs die, deep chains are run and destroyed
// without recursion (Note [Iterative node teardown]), saved tensors are released eagerly.
#include <atomic>

#include "doctest/doctest.h"
#include "helpers.h"

using namespace bibun;
using namespace bibun::testing;

namespace {

std::atomic<int> g_alive{0};

// A pass-through node that counts live instances.
class CountedNode : public Node {
 public:
  CountedNode() { ++g_alive; }
  ~CountedNode() override { --g_alive; }
  tensor_list apply(tensor_list&& grads) override { return tensor_list(next_edges_.size(), grads.at(0)); }
  std::string name() const override { return "CountedBackward"; }
};

Tensor counted_chain(const Tensor& x, int length) {
  Tensor y = x;
  for (int i = 0; i < length; ++i) {
    auto node = std::make_shared<CountedNode>();
    node->set_next_edges({gradient_edge(y)});
    Tensor out = ops::zeros(x.sizes(), ScalarType::Float32);
    set_history(out, node);
    y = out;
  }
  return y;
}

}  // namespace

TEST_CASE("a chain's nodes die with its output") {
  Tensor x = leaf({1});
  {
    Tensor y = counted_chain(x, 100);
    CHECK(g_alive == 100);
  }
  CHECK(g_alive == 0);
}

TEST_CASE("a million-node chain is destroyed without recursion, with and without backward") {
  Tensor x = leaf({1});
  Tensor y = counted_chain(x, 1000000);
  CHECK(g_alive == 1000000);
  y = Tensor();
  CHECK(g_alive == 0);
  y = counted_chain(x, 1000000);
  backward(y);
  CHECK(all_equal(grad_of(x), 1.0));
  y = Tensor();
  CHECK(g_alive == 0);
}

TEST_CASE("a 200,000-op chain of real ops runs backward and is freed") {
  Tensor x = leaf({2});
  Tensor y = x;
  for (int i = 0; i < 200000; ++i) y = ops::add(y, scalar(0.0), kOne);
  std::weak_ptr<Node> last = grad_fn(y);
  backward(sum_all(y));
  CHECK(all_equal(grad_of(x), 1.0));
  y = Tensor();
  CHECK(last.expired());
}

TEST_CASE("a leaf's AccumulateGrad lives exactly as long as a graph uses it") {
  Tensor x = leaf({2});
  std::weak_ptr<Node> acc;
  {
    Tensor y = ops::mul(x, scalar(2.0));
    acc = grad_accumulator(x);
    CHECK_FALSE(acc.expired());
    CHECK(grad_fn(y)->next_edges()[0].fn == acc.lock());
  }
  CHECK(acc.expired());
  CHECK(x->autograd_meta() != nullptr);  // the leaf itself is untouched
}

TEST_CASE("a wide graph (one leaf used by 10,000 nodes) frees every node") {
  Tensor x = leaf({1});
  std::vector<Tensor> outs;
  for (int i = 0; i < 10000; ++i) outs.push_back(counted_chain(x, 1));
  CHECK(g_alive == 10000);
  Tensor total = outs[0];
  for (int i = 1; i < 10000; ++i) total = ops::add(total, outs[i], kOne);
  outs.clear();
  backward(total);
  CHECK(all_equal(grad_of(x), 10000.0));
  total = Tensor();
  CHECK(g_alive == 0);
}
