// The nodes that keep autograd correct when a view is written in place: CopySlices becomes
// the base's grad_fn, AsStridedBackward0 the grad_fn of views whose history went stale.
// See Note [In-place on views] in variable.cpp.
#pragma once
#include "autograd/node.h"

namespace bibun {

// Sizes, strides and storage offset of a tensor, in elements of its storage.
struct TensorGeometry {
  DimVector sizes;
  DimVector strides;
  int64_t offset = 0;
  ScalarType dtype = ScalarType::Float32;
  TensorGeometry() = default;
  explicit TensorGeometry(const Tensor& t);
  // One past the largest storage element the geometry reaches (0 when empty).
  int64_t span() const;
};

// The gradient of a view taken from its base: grad placed into zeros laid out like the base.
class AsStridedBackward0 : public Node {
 public:
  AsStridedBackward0(TensorGeometry base, TensorGeometry view) : base_(std::move(base)), view_(std::move(view)) {}
  tensor_list apply(tensor_list&& grads) override;
  std::string name() const override { return "AsStridedBackward0"; }

 private:
  TensorGeometry base_, view_;
};

// The base's node after an in-place op `fn` wrote through one of its views: the part of the
// base gradient under the view goes through fn; the rest passes unchanged to the base's old
// history. Edges: [base's old history, fn's other inputs...].
class CopySlices : public Node {
 public:
  CopySlices(TensorGeometry base, TensorGeometry view, std::shared_ptr<Node> fn);
  tensor_list apply(tensor_list&& grads) override;
  std::string name() const override { return "torch::autograd::CopySlices"; }
  void release_saved() override { fn_->release_saved(); }

 private:
  TensorGeometry base_, view_;
  std::shared_ptr<Node> fn_;
};

}  // namespace bibun
