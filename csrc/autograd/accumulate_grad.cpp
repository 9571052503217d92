#include "autograd/accumulate_grad.h"

#include <mutex>

#include "autograd/variable.h"
#include "ops/ops.h"

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

void AccumulateGrad::accumulate(const Tensor& leaf, Tensor grad) {
  // Backward calls on several threads may reach the same leaf; its .grad is updated by one
  // at a time.
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  AutogradMeta& meta = leaf->ensure_autograd_meta();
  if (!meta.grad.defined()) {
    bool stealable = !GradMode::is_enabled() && grad->use_count() == 1 && grad.is_contiguous() &&
                     leaf.is_contiguous() && !grad->is_wrapped_number() && is_leaf(grad) &&
                     grad.sizes() == leaf.sizes();
    meta.grad = stealable ? detach(grad) : ops::clone(grad);
  } else if (!GradMode::is_enabled()) {
    ops::add_(meta.grad, grad, Scalar(int64_t{1}));
  } else {
    meta.grad = ops::add(meta.grad, grad, Scalar(int64_t{1}));
  }
}

}  // namespace bibun
