#include "autograd/accumulate_grad.h"

#include <mutex>

#include "autograd/variable.h"
#include "ops/ops.h"
#include "ops/write_checks.h"

namespace bibun {

AccumulateGrad::AccumulateGrad(Tensor leaf) : leaf_(std::move(leaf)) {
  // An AccumulateGrad runs before any other ready node (see Engine): a leaf's gradient is
  // complete as soon as all its producers ran.
  sequence_nr_ = UINT64_MAX;
  add_input_metadata(leaf_);
}

tensor_list AccumulateGrad::apply(tensor_list&& grads) {
  if (grads[0].defined()) accumulate(leaf_, std::move(grads[0]));
  if (AutogradMeta* meta = leaf_->autograd_meta()) {
    auto hooks = meta->post_accumulate_hooks;  // a copy: hooks may remove hooks
    for (auto& entry : hooks) (*entry.hook)(leaf_);
  }
  return {};
}

tensor_list AccumulateGrad::call_tensor_pre_hooks(tensor_list grads) {
  grads = Node::call_tensor_pre_hooks(std::move(grads));
  AutogradMeta* meta = leaf_->autograd_meta();
  if (!meta || meta->leaf_hooks.empty() || grads.empty() || !grads[0].defined()) return grads;
  auto hooks = meta->leaf_hooks;
  for (auto& entry : hooks) {
    Tensor r = (*entry.hook)(grads[0]);
    if (r.defined()) grads[0] = std::move(r);
  }
  return grads;
}

namespace {

// Note [Gradient layout]
// As PyTorch's "gradient layout contract": a leaf's .grad is laid out like the leaf when the leaf
// is non-overlapping and dense (a transposed leaf gets a transposed .grad), else contiguous.
bool obeys_layout(const Tensor& grad, const Tensor& leaf) {
  if (!ops::is_non_overlapping_and_dense(leaf)) return grad.is_contiguous();
  for (int64_t d = 0; d < grad.dim(); ++d) {
    if (grad.sizes()[d] != 1 ? grad.strides()[d] != leaf.strides()[d] : grad.strides()[d] == 0) return false;
  }
  return true;
}

// The first gradient when it cannot be stolen: a copy in the leaf's layout, written with copy_
// into new memory (so create_graph records CopyBackwards, as PyTorch's clone_obey_contract
// does), or a contiguous clone (CloneBackward0) for a leaf that is not dense.
Tensor copy_in_leaf_layout(const Tensor& grad, const Tensor& leaf) {
  if (!ops::is_non_overlapping_and_dense(leaf)) return ops::clone(grad);
  auto storage = Storage::allocate(static_cast<size_t>(leaf.numel()) * itemsize(leaf.dtype()));
  Tensor out(make_intrusive<TensorImpl>(std::move(storage), 0, leaf.sizes(), leaf.strides(), leaf.dtype()));
  ops::copy_(out, grad);
  return out;
}

}  // namespace

void AccumulateGrad::accumulate(const Tensor& leaf, Tensor grad) {
  // Backward calls on several threads may reach the same leaf; its .grad is updated by one
  // at a time.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  AutogradMeta& meta = leaf->ensure_autograd_meta();
  if (!is_leaf(leaf)) {
    // A non-leaf in backward(inputs=...): PyTorch fills its .grad as retain_grad does, a
    // contiguous clone first (CloneBackward0 under create_graph), then out-of-place sums.
    meta.grad = meta.grad.defined() ? ops::add(meta.grad, grad, Scalar(int64_t{1})) : ops::clone(grad);
    return;
  }
  if (!meta.grad.defined()) {
    bool stealable = !GradMode::is_enabled() && grad->use_count() == 1 && !grad->is_wrapped_number() &&
                     is_leaf(grad) && grad.sizes() == leaf.sizes() && obeys_layout(grad, leaf);
    meta.grad = stealable ? detach(grad) : copy_in_leaf_layout(grad, leaf);
  } else if (!GradMode::is_enabled()) {
    ops::add_(meta.grad, grad, Scalar(int64_t{1}));
  } else {
    meta.grad = ops::add(meta.grad, grad, Scalar(int64_t{1}));
  }
}

}  // namespace bibun
