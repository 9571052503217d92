// AutogradMeta: the autograd state of a tensor, present only on tensors that take part in
// autograd (requires_grad leaves, outputs of recorded ops, tensors with a .grad).
#pragma once
#include <memory>
#include <vector>

#include "autograd/hooks.h"

#include "tensor/tensor.h"

namespace bibun {

class Node;

struct AutogradMeta {
  bool requires_grad = false;  // set on leaves; non-leaves require grad through grad_fn
  bool retains_grad = false;
  Tensor grad;
  std::shared_ptr<Node> grad_fn;
  // Note [Leaf accumulator ownership]
  // A leaf holds its AccumulateGrad weakly and the node holds the leaf strongly: the
  // node lives exactly as long as some graph uses it, and the leaf's .grad lands where the
  // user looks for it.
  std::weak_ptr<Node> grad_accumulator;
  uint32_t output_nr = 0;
  // For views: the version at which grad_fn was last set; a later in-place write through
  // the base or another view makes grad_fn stale (Note [In-place on views]).
  uint32_t attr_version = 0;
  // Hooks of a leaf, run by its AccumulateGrad (a non-leaf's hooks live on its grad_fn).
  std::vector<HookEntry<TensorHook>> leaf_hooks;
  std::vector<HookEntry<PostAccumulateGradHook>> post_accumulate_hooks;
  // retain_grad(): the hook on grad_fn that fills .grad; removed when the tensor dies.
  uint64_t retains_grad_hook = 0;
  std::weak_ptr<Node> retains_grad_fn;

  ~AutogradMeta();
};

}  // namespace bibun
