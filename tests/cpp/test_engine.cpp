// Engine scheduling: dependency counting, ordering by sequence number, gradient summation,
// retain_graph, create_graph, inputs= and gradient validation.
#include <memory>
#include <stdexcept>

#include "doctest/doctest.h"
#include "helpers.h"

using namespace bibun;
using namespace bibun::testing;

namespace {

// Passes its incoming gradient (times `scale`) to every next edge and logs when it runs.
class LogNode : public Node {
 public:
  LogNode(std::string tag, std::vector<std::string>* log, double scale = 1.0)
      : tag_(std::move(tag)), log_(log), scale_(scale) {}
  tensor_list apply(tensor_list&& grads) override {
    log_->push_back(tag_);
    seen_ = grads.at(0);
    if (throw_) throw Error("LogNode " + tag_ + " failed");
    Tensor g = ops::mul(grads.at(0), scalar(scale_));
    return tensor_list(next_edges_.size(), g);
  }
  std::string name() const override { return "LogBackward_" + tag_; }
  Tensor seen_;
  bool throw_ = false;

 private:
  std::string tag_;
  std::vector<std::string>* log_;
  double scale_;
};

// out = a tensor shaped like `like` whose grad_fn is a new LogNode over `inputs`.
Tensor record(const std::string& tag, std::vector<std::string>* log, std::vector<Tensor> inputs,
              std::shared_ptr<LogNode>* node_out = nullptr, double scale = 1.0) {
  auto node = std::make_shared<LogNode>(tag, log, scale);
  edge_list edges;
  for (const Tensor& t : inputs) edges.push_back(gradient_edge(t));
  node->set_next_edges(std::move(edges));
  Tensor out = ops::zeros(inputs.at(0).sizes(), ScalarType::Float32);
  set_history(out, node);
  if (node_out) *node_out = node;
  return out;
}

}  // namespace

TEST_CASE("a node runs once, after every consumer, with its incoming gradients summed") {
  std::vector<std::string> log;
  Tensor x = leaf({1});
  std::shared_ptr<LogNode> a_node;
  Tensor a = record("a", &log, {x}, &a_node);
  Tensor b = record("b", &log, {a}, nullptr, 2.0);
  Tensor c = record("c", &log, {a}, nullptr, 3.0);
  Tensor root = record("root", &log, {b, c});
  backward(root);
  CHECK(log == std::vector<std::string>{"root", "c", "b", "a"});
  CHECK(all_equal(a_node->seen_, 5.0));
  CHECK(all_equal(grad_of(x), 5.0));
}

TEST_CASE("the most recently created ready node runs first (Note [Sequence number])") {
  std::vector<std::string> log;
  Tensor x = leaf({1});
  Tensor p = record("p", &log, {x});
  Tensor q = record("q", &log, {x});
  Tensor r = record("r", &log, {x});
  Tensor root = record("root", &log, {q, p, r});
  backward(root);
  CHECK(log == std::vector<std::string>{"root", "r", "q", "p"});
  CHECK(all_equal(grad_of(x), 3.0));
}

TEST_CASE("backward twice needs retain_graph") {
  Tensor x = leaf({2, 2});
  Tensor y = ops::add(x, scalar(2.0), kOne);
  Tensor out = ops::mean(ops::mul(ops::mul(y, y), scalar(3.0)), {}, false, std::nullopt);
  CHECK(grad_fn(out)->name() == "MeanBackward0");
  backward(out, /*keep_graph=*/true);
  CHECK(all_equal(grad_of(x), 4.5));
  backward(out);
  CHECK(all_equal(grad_of(x), 9.0));
  std::string msg = error_of([&] { backward(out); });
  CHECK(msg.rfind("Trying to backward through the graph a second time", 0) == 0);
}

TEST_CASE("broadcast inputs get gradients of their own shape") {
  Tensor a = leaf({3, 1});
  Tensor b = leaf({4});
  backward(sum_all(ops::mul(a, b)));
  CHECK(grad_of(a).sizes() == DimVector{3, 1});
  CHECK(all_equal(grad_of(a), 4.0));
  CHECK(grad_of(b).sizes() == DimVector{4});
  CHECK(all_equal(grad_of(b), 3.0));
}

TEST_CASE("inputs= returns gradients without accumulating and skips unrelated branches") {
  std::vector<std::string> log;
  Tensor x = leaf({2}, 3.0);
  Tensor w = leaf({2});
  Tensor side = record("side", &log, {w});
  Tensor out = sum_all(ops::add(ops::mul(x, x), side, kOne));
  tensor_list g = run_backward({out}, make_grad_roots({out}, {}), {x}, BackwardOptions{false, false, false, false});
  REQUIRE(g.size() == 1);
  CHECK(all_equal(g[0], 6.0));
  CHECK_FALSE(grad_of(x).defined());
  CHECK(log.empty());
}

TEST_CASE("create_graph records the backward so a second derivative works") {
  Tensor x = leaf({3}, 2.0, ScalarType::Float64);
  Tensor y = sum_all(ops::mul(ops::mul(x, x), x));  // d/dx = 3x^2, d2/dx2 = 6x
  tensor_list g = run_backward({y}, make_grad_roots({y}, {}), {x}, BackwardOptions{true, true, false, false});
  REQUIRE(g[0].requires_grad());
  CHECK(all_equal(g[0], 12.0));
  tensor_list gg = run_backward({sum_all(g[0])}, make_grad_roots({sum_all(g[0])}, {}), {x},
                                BackwardOptions{false, false, false, false});
  CHECK(all_equal(gg[0], 12.0));
}

TEST_CASE("a gradient of the wrong shape is rejected with PyTorch's text") {
  class BadNode : public Node {
   public:
    tensor_list apply(tensor_list&&) override { return {ops::ones({5}, ScalarType::Float32)}; }
    std::string name() const override { return "BadBackward"; }
  };
  Tensor x = leaf({2});
  auto node = std::make_shared<BadNode>();
  node->set_next_edges({gradient_edge(x)});
  Tensor out = ops::zeros({}, ScalarType::Float32);
  set_history(out, node);
  std::string msg = error_of([&] { backward(out); });
  CHECK(contains(msg, "Function BadBackward returned an invalid gradient at index 0 - got [5] but expected shape compatible with [2]"));
}

TEST_CASE("an error inside a node propagates and leaves the engine usable") {
  std::vector<std::string> log;
  Tensor x = leaf({2});
  std::shared_ptr<LogNode> node;
  Tensor out = record("boom", &log, {x}, &node);
  node->throw_ = true;
  std::string msg = error_of([&] { backward(sum_all(out)); });
  CHECK(msg == "LogNode boom failed");
  CHECK_FALSE(grad_of(x).defined());
  Tensor y = leaf({2});
  backward(sum_all(ops::mul(y, scalar(2.0))));
  CHECK(all_equal(grad_of(y), 2.0));
}

TEST_CASE("seed gradients are checked against the root's shape") {
  Tensor x = leaf({2});
  Tensor y = ops::mul(x, scalar(2.0));
  std::string msg = error_of([&] { make_grad_roots({y}, {}); });
  CHECK(contains(msg, "grad can be implicitly created only for scalar outputs"));
  msg = error_of([&] { make_grad_roots({y}, {ops::ones({3}, ScalarType::Float32)}); });
  CHECK(contains(msg, "Mismatch in shape"));
}
