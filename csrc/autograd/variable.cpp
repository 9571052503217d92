#include "autograd/variable.h"

#include "autograd/accumulate_grad.h"

namespace bibun {

bool Tensor::requires_grad() const {
  AutogradMeta* m = impl_->autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

void set_requires_grad(const Tensor& t, bool requires_grad) {
  if (!is_leaf(t)) {
    BIBUN_CHECK(requires_grad,
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    return;
  }
  BIBUN_CHECK(!requires_grad || is_floating(t.dtype()),
              "Only Tensors of floating point and complex dtype can require gradients");
  if (!requires_grad && !t->autograd_meta()) return;
  t->ensure_autograd_meta().requires_grad = requires_grad;
}

std::shared_ptr<Node> grad_accumulator(const Tensor& leaf) {
  AutogradMeta& meta = leaf->ensure_autograd_meta();
  if (auto acc = meta.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  meta.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  AutogradMeta* m = t->autograd_meta();
  if (!m) return {};
  if (m->grad_fn) return Edge{m->grad_fn, m->output_nr};
  if (m->requires_grad) return Edge{grad_accumulator(t), 0};
  return {};
}

std::vector<Edge> collect_next_edges(std::initializer_list<const Tensor*> inputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) edges.push_back(t->defined() ? gradient_edge(*t) : Edge{});
  return edges;
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node) {
  AutogradMeta& meta = out->ensure_autograd_meta();
  meta.grad_fn = node;
  meta.output_nr = node->add_input_metadata(out);
}

Tensor detach(const Tensor& t, bool share_version) {
  auto impl = make_intrusive<TensorImpl>(t->storage(), t->offset(), t.sizes(), t.strides(), t.dtype());
  if (share_version) impl->set_version_counter(t->version_counter());
  return Tensor(std::move(impl));
}

void check_inplace(const Tensor& t) {
  AutogradMeta* m = t->autograd_meta();
  if (m && m->requires_grad && !m->grad_fn && GradMode::is_enabled()) {
    throw Error("a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

// Note [In-place rebase]
// After `y.mul_(2)` the tensor y stands for a new value: its grad_fn becomes the in-place
// op's node, whose edges point to y's previous history. The version bump invalidates
// every SavedTensor that captured y before the write (Note [Version counter]).
void rebase_history(const Tensor& t, const std::shared_ptr<Node>& node) {
  t->bump_version();
  if (node) {
    AutogradMeta& meta = t->ensure_autograd_meta();
    meta.grad_fn = node;
    meta.output_nr = node->add_input_metadata(t);
  }
}

}  // namespace bibun
