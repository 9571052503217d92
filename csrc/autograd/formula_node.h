// FormulaNode: base of the built-in nodes; holds their saved tensors so that release and
// unpacking are written once.
#pragma once
#include <array>

#include "autograd/node.h"
#include "autograd/saved_tensor.h"

namespace bibun {

class FormulaNode : public Node {
 public:
  void release_saved() override {
    for (auto& s : saved_) s.release();
  }

 public:
  static constexpr size_t kMaxSaved = 4;
  void save(size_t slot, const Tensor& t, bool is_output = false) { saved_[slot] = SavedTensor(t, is_output); }

 protected:
  Tensor saved(size_t slot) { return saved_[slot].unpack(shared_from_this()); }

 private:
  std::array<SavedTensor, kMaxSaved> saved_;
};

}  // namespace bibun
