// AccumulateGrad: the node of a leaf that requires grad; adds incoming gradients into .grad.
#pragma once
#include "autograd/node.h"

namespace bibun {

class AccumulateGrad : public Node {
 public:
  explicit AccumulateGrad(Tensor leaf);
  tensor_list apply(tensor_list&& grads) override;
  std::string name() const override { return "torch::autograd::AccumulateGrad"; }
  bool is_accumulate_grad() const override { return true; }
  // Runs the leaf's own hooks (Tensor.register_hook on a leaf).
  tensor_list call_tensor_pre_hooks(tensor_list grads) override;
  const Tensor& variable() const { return leaf_; }

  // Adds `grad` into `leaf`'s .grad following PyTorch: the first gradient is stolen when
  // nobody else holds it and its layout matches, else copied; later ones are added (in
  // place without create_graph, out of place with it). A non-leaf (backward(inputs=...)) gets
  // retain_grad's rule instead: a clone, then out-of-place sums.
  static void accumulate(const Tensor& leaf, Tensor grad);

 private:
  Tensor leaf_;
};

}  // namespace bibun
