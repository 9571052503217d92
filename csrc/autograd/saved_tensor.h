// SavedTensor: a tensor a node keeps for its backward, with the version it had when saved.
#pragma once
#include <memory>

#include "autograd/saved_tensor_hooks.h"
#include "tensor/tensor.h"

namespace bibun {

class Node;

// Note [Saved outputs do not own their node]
// A node that saves its own output (exp saves result) must not keep itself alive through
// it: the output's grad_fn is that node, so a strong reference would be a cycle. An output
// is saved as a bare alias of its memory plus a weak reference to the node, and the node's
// edge is restored on unpack.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t, bool is_output);
  SavedTensor(SavedTensor&&) noexcept = default;
  SavedTensor& operator=(SavedTensor&&) noexcept = default;
  ~SavedTensor();

  // The saved tensor, or an undefined tensor if none was saved. `owner` is the node that
  // saved it (needed to restore a saved output's grad_fn). Throws PyTorch's errors when the
  // tensor was released or modified in place since it was saved.
  Tensor unpack(const std::shared_ptr<Node>& owner = nullptr) const;
  void release();
  bool defined() const { return data_.defined() || (rare_ && rare_->packed) || was_released_; }

 private:
  // What a saved tensor needs only with saved_tensors_hooks or when it is an in-place view's
  // output: kept out of line so that the common case stays small (Note [Compact saved tensors]).
  struct Rare {
    // With saved_tensors_hooks: the hook pair and what its pack returned (data_ stays empty);
    // the history of a saved non-output, restored on unpack.
    std::shared_ptr<SavedTensorHooks> hooks;
    std::shared_ptr<void> packed;
    std::shared_ptr<Node> input_grad_fn;
    std::weak_ptr<Node> leaf_accumulator;
    // For an output that is a view written in place: enough to rebuild its AsStridedBackward0
    // over the base's history if the view (and so its grad_fn) died before backward.
    std::shared_ptr<struct ViewOfBase> view_of_base;
  };
  Rare& rare();

  Tensor data_;
  uint32_t saved_version_ = 0;
  uint32_t output_nr_ = 0;
  bool is_output_ = false;
  bool is_leaf_ = false;
  bool requires_grad_ = false;
  bool was_released_ = false;
  // A saved output's grad_fn when it was saved; the saving node itself, or the view's
  // AsStridedBackward0 when an in-place op on a view saved its result.
  std::weak_ptr<Node> output_grad_fn_;
  std::unique_ptr<Rare> rare_;
};

}  // namespace bibun
