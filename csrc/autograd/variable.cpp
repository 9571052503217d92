#include "autograd/variable.h"

#include <mutex>

#include "autograd/accumulate_grad.h"
#include "autograd/anomaly_mode.h"
#include "autograd/copy_slices.h"
#include "ops/ops.h"

namespace bibun {

namespace {

bool base_requires_grad(const Tensor& view) {
  AutogradMeta* m = view->view_base()->autograd_meta();
  return m && (m->requires_grad || m->grad_fn);
}

// Whether the view's recorded history predates a write through its base or a sibling view.
bool view_history_is_stale(const Tensor& t) {
  if (!t->is_view() || !GradMode::is_enabled()) return false;
  AutogradMeta* m = t->autograd_meta();
  if (m && m->requires_grad && !m->grad_fn) return false;  // a leaf view (requires_grad set on it)
  uint32_t recorded = m ? m->attr_version : 0;
  if (m && m->grad_fn && recorded == t->version()) return false;
  if (!m && t->version() == 0) return false;
  return base_requires_grad(t);
}

}  // namespace

bool Tensor::requires_grad() const {
  AutogradMeta* m = impl_->autograd_meta();
  if (m && (m->requires_grad || m->grad_fn)) return true;
  return impl_->is_view() && view_history_is_stale(*this);
}

std::shared_ptr<Node> grad_fn(const Tensor& t) {
  AutogradMeta* m = t->autograd_meta();
  if (!t->is_view()) return m ? m->grad_fn : nullptr;
  if (view_history_is_stale(t)) {
    Tensor base(t->view_base());
    auto node = std::make_shared<AsStridedBackward0>(TensorGeometry(base), TensorGeometry(t));
    node->set_next_edges({gradient_edge(base)});
    AutogradMeta& meta = t->ensure_autograd_meta();
    meta.grad_fn = node;
    meta.output_nr = node->add_input_metadata(t);
    meta.attr_version = t->version();
    return node;
  }
  return m ? m->grad_fn : nullptr;
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
  // Ops on large tensors run without the GIL, so two threads may ask for a shared leaf's
  // accumulator at once: both must get the same node.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  AutogradMeta& meta = leaf->ensure_autograd_meta();
  if (auto acc = meta.grad_accumulator.lock()) return acc;
  auto acc = std::make_shared<AccumulateGrad>(leaf);
  meta.grad_accumulator = acc;
  return acc;
}

Edge gradient_edge(const Tensor& t) {
  if (t->is_view()) {
    if (auto fn = grad_fn(t)) return Edge{fn, t->autograd_meta()->output_nr};
  }
  AutogradMeta* m = t->autograd_meta();
  if (!m) return {};
  if (m->grad_fn) return Edge{m->grad_fn, m->output_nr};
  if (m->requires_grad) return Edge{grad_accumulator(t), 0};
  return {};
}

edge_list collect_next_edges(std::initializer_list<const Tensor*> inputs) {
  edge_list edges;
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) edges.push_back(t->defined() ? gradient_edge(*t) : Edge{});
  return edges;
}

namespace {

// Fills a non-leaf's .grad during backward (retain_grad). Holds the tensor weakly: the
// tensor's AutogradMeta removes this hook when it dies.
struct RetainGradHook : TensorHook {
  explicit RetainGradHook(TensorImpl* impl) : impl(impl) {}
  Tensor operator()(const Tensor& grad) override {
    AutogradMeta& meta = impl->ensure_autograd_meta();
    if (!meta.grad.defined()) {
      meta.grad = ops::clone(grad);
    } else {
      meta.grad = ops::add(meta.grad, grad, Scalar(int64_t{1}));
    }
    return Tensor();
  }
  TensorImpl* impl;
};

void install_retains_grad_hook(const Tensor& t, AutogradMeta& meta) {
  meta.retains_grad_hook =
      meta.grad_fn->add_retains_grad_hook(meta.output_nr, std::make_shared<RetainGradHook>(t.get()));
  meta.retains_grad_fn = meta.grad_fn;
}

}  // namespace

AutogradMeta::~AutogradMeta() {
  if (retains_grad_hook)
    if (auto fn = retains_grad_fn.lock()) fn->remove_hook(retains_grad_hook);
}

void retain_grad(const Tensor& t) {
  BIBUN_CHECK(t.requires_grad(), "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf(t)) return;  // a leaf keeps its .grad anyway
  grad_fn(t);              // regenerates a stale view history first
  AutogradMeta& meta = t->ensure_autograd_meta();
  if (meta.retains_grad) return;
  install_retains_grad_hook(t, meta);
  meta.retains_grad = true;
}

void set_history(const Tensor& out, const std::shared_ptr<Node>& node) {
  if (AnomalyMode::is_enabled() && node->anomaly_trace().empty()) node->set_anomaly_trace(AnomalyMode::capture_stack());
  AutogradMeta& meta = out->ensure_autograd_meta();
  meta.grad_fn = node;
  meta.output_nr = node->add_input_metadata(out);
  meta.attr_version = out->version();
  if (meta.retains_grad) {
    // An in-place op moved the tensor onto a new node: its retained .grad follows it.
    if (auto old = meta.retains_grad_fn.lock()) old->remove_hook(meta.retains_grad_hook);
    install_retains_grad_hook(out, meta);
  }
}

Tensor detach(const Tensor& t, bool share_version) {
  auto impl = make_intrusive<TensorImpl>(t->storage(), t->offset(), t.sizes(), t.strides(), t.dtype());
  if (share_version) impl->set_version_counter(t->version_counter());
  return Tensor(std::move(impl));
}

void check_inplace(const Tensor& t) {
  if (!GradMode::is_enabled()) return;
  AutogradMeta* m = t->autograd_meta();
  if (m && m->requires_grad && !m->grad_fn) {
    throw Error("a leaf Variable that requires grad is being used in an in-place operation.");
  }
  if (t->is_view()) {
    AutogradMeta* bm = t->view_base()->autograd_meta();
    if (bm && bm->requires_grad && !bm->grad_fn)
      throw Error("a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

// Note [In-place rebase]
// After `y.mul_(2)` the tensor y stands for a new value: its grad_fn becomes the in-place
// op's node, whose edges point to y's previous history. The version bump invalidates
// every SavedTensor that captured y before the write (Note [Version counter]).
void rebase_history(const Tensor& t, const std::shared_ptr<Node>& node) {
  t->bump_version();
  if (!node) return;
  if (!t->is_view()) {
    set_history(t, node);
    return;
  }
  // Note [In-place on views]
  // Writing through a view changes its base too. The base gets a CopySlices node: the
  // gradient under the view goes through the in-place op's node, the rest flows to the
  // base's old history. The view's own history becomes "a strided window of the base"
  // (AsStridedBackward0). Other views of the same base notice the version bump and
  // regenerate their grad_fn the same way when next asked (grad_fn()).
  Tensor base(t->view_base());
  node->add_input_metadata(t);
  auto copy_slices = std::make_shared<CopySlices>(TensorGeometry(base), TensorGeometry(t), node);
  copy_slices->mutable_next_edges()[0] = gradient_edge(base);
  set_history(base, copy_slices);
  auto view_fn = std::make_shared<AsStridedBackward0>(TensorGeometry(base), TensorGeometry(t));
  view_fn->set_next_edges({Edge{copy_slices, 0}});
  set_history(t, view_fn);
}

}  // namespace bibun
