// Hook interfaces the engine calls; the Python layer implements them over Python callables
// (the core itself never sees Python).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "tensor/tensor.h"

namespace bibun {

// On one gradient slot (Tensor.register_hook): returns a replacement, or undefined to keep it.
struct TensorHook {
  virtual ~TensorHook() = default;
  virtual Tensor operator()(const Tensor& grad) = 0;
};

// Before a node runs (Node.register_prehook): returns replacements for the node's incoming
// gradients, or an empty list to keep them.
struct PreHook {
  virtual ~PreHook() = default;
  virtual tensor_list operator()(const tensor_list& grad_outputs) = 0;
};

// After a node ran (Node.register_hook): may replace the gradients it produced (empty list
// keeps them).
struct PostHook {
  virtual ~PostHook() = default;
  virtual tensor_list operator()(const tensor_list& grad_inputs, const tensor_list& grad_outputs) = 0;
};

// After a leaf's .grad was updated (Tensor.register_post_accumulate_grad_hook).
struct PostAccumulateGradHook {
  virtual ~PostAccumulateGradHook() = default;
  virtual void operator()(const Tensor& leaf) = 0;
};

uint64_t next_hook_id();

template <typename H>
struct HookEntry {
  uint64_t id;
  uint32_t slot;  // for tensor hooks: which input of the node
  std::shared_ptr<H> hook;
};

// Hooks of one node, allocated only when a node gets its first hook.
struct NodeHooks {
  std::vector<HookEntry<TensorHook>> tensor_pre;
  std::vector<HookEntry<TensorHook>> retains_grad;  // run after tensor_pre (see Node)
  std::vector<HookEntry<PreHook>> pre;
  std::vector<HookEntry<PostHook>> post;
};

}  // namespace bibun
