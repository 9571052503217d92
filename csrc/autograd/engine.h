// Engine: runs the backward pass over the graph reachable from the roots, iteratively.
#pragma once
#include <vector>

#include "autograd/node.h"

namespace bibun {

struct BackwardOptions {
  bool keep_graph = false;
  bool create_graph = false;
  // autograd.grad: return the gradients of `inputs` instead of accumulating into .grad.
  bool accumulate_grad = true;
  bool allow_unused = false;
};

// Runs backward from `roots` seeded with `grad_roots` (same length; each defined and shaped
// like its root). With `inputs` empty, every leaf reached accumulates into .grad. With
// `inputs`, only the graph leading to them runs; their gradients are accumulated into their
// .grad (accumulate_grad) or returned (undefined for an unused input when allow_unused).
tensor_list run_backward(const tensor_list& roots, const tensor_list& grad_roots, const tensor_list& inputs,
                         const BackwardOptions& options);

}  // namespace bibun

namespace bibun {
// The seed gradients of a backward call: each given gradient checked against its root's
// shape; a missing one is ones for a single-element root (PyTorch's implicit gradient).
tensor_list make_grad_roots(const tensor_list& roots, const tensor_list& grads);
}  // namespace bibun
