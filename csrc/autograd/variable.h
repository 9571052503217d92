// Helpers that connect tensors to the graph: requires_grad, grad_fn, gradient edges,
// recording an op's node on its outputs, detach.
#pragma once
#include <initializer_list>
#include <memory>

#include "autograd/autograd_meta.h"
#include "autograd/grad_mode.h"
#include "autograd/node.h"

namespace bibun {

// The tensor's grad_fn; for a view whose history went stale, a fresh AsStridedBackward0
// over its base's current history (Note [In-place on views]).
std::shared_ptr<Node> grad_fn(const Tensor& t);
inline bool is_leaf(const Tensor& t) { return grad_fn(t) == nullptr; }
void set_requires_grad(const Tensor& t, bool requires_grad);

// The AccumulateGrad node of a leaf that requires grad (created on first use).
std::shared_ptr<Node> grad_accumulator(const Tensor& leaf);
// Where the gradient of `t` goes: its grad_fn, or its accumulator; invalid if neither.
Edge gradient_edge(const Tensor& t);

// True when grad mode is on and any defined input requires grad.
inline bool compute_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::is_enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}
edge_list collect_next_edges(std::initializer_list<const Tensor*> inputs);
// Makes `node` the grad_fn of `out` (appending its output metadata).
void set_history(const Tensor& out, const std::shared_ptr<Node>& node);

// A new tensor over the same memory, without autograd history; shares the version counter
// (share_version=true, detach()) or gets its own (`.data`).
Tensor detach(const Tensor& t, bool share_version = true);

// Tensor.retain_grad(): a non-leaf's .grad is filled during backward.
void retain_grad(const Tensor& t);

// PyTorch's check that an in-place op may write `t` (not a leaf that requires grad).
void check_inplace(const Tensor& t);
// Records an in-place op: bumps the version and, if `node` is set, rebases the history of
// `t` onto it (see Note [In-place rebase] in variable.cpp).
void rebase_history(const Tensor& t, const std::shared_ptr<Node>& node);

}  // namespace bibun
