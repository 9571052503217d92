// saved_tensors_hooks: while a pair of hooks is active on a thread, every tensor a node saves
// is packed by the hook at save time and unpacked by it at backward time.
#pragma once
#include <memory>

#include "tensor/tensor.h"

namespace bibun {

struct SavedTensorHooks {
  virtual ~SavedTensorHooks() = default;
  virtual std::shared_ptr<void> pack(const Tensor& t) = 0;
  virtual Tensor unpack(const std::shared_ptr<void>& packed) = 0;
};

// A thread-local stack: the innermost active pair applies.
void push_saved_tensor_hooks(std::shared_ptr<SavedTensorHooks> hooks);
void pop_saved_tensor_hooks();
std::shared_ptr<SavedTensorHooks> current_saved_tensor_hooks();

}  // namespace bibun
