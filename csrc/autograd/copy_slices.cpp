#include "autograd/copy_slices.h"

#include <cstring>
#include <vector>

#include "autograd/grad_mode.h"
#include "autograd/variable.h"
#include "ops/ops.h"
#include "kernels/kernels.h"

namespace bibun {

TensorGeometry::TensorGeometry(const Tensor& t)
    : sizes(t.sizes()), strides(t.strides()), offset(t->offset()), dtype(t.dtype()) {}

int64_t TensorGeometry::span() const {
  int64_t last = offset;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] == 0) return 0;
    last += (sizes[d] - 1) * strides[d];
  }
  return last + 1;
}

namespace {

// A zeroed buffer big enough for both geometries, seen through each of them.
std::pair<Tensor, Tensor> base_and_view_buffers(const TensorGeometry& base, const TensorGeometry& view,
                                                ScalarType dtype) {
  const int64_t n = std::max(base.span(), view.span());
  auto storage = Storage::allocate(static_cast<size_t>(n) * itemsize(dtype));
  if (storage->nbytes() > 0) std::memset(storage->data(), 0, storage->nbytes());  // no data when empty
  Tensor b(make_intrusive<TensorImpl>(storage, base.offset, base.sizes, base.strides, dtype));
  Tensor v(make_intrusive<TensorImpl>(storage, view.offset, view.sizes, view.strides, dtype));
  return {b, v};
}

// Note [Differentiable window ops]
// With create_graph the gradients through a view written in place must themselves be
// recorded. Two linear maps, adjoint to each other, do that: scatter_window places a
// view-shaped gradient into zeros laid out like the base; take_window reads the view-shaped
// window out of a base-shaped gradient. Each is the other's backward.
Tensor scatter_window(const Tensor& grad, const TensorGeometry& base, const TensorGeometry& view);
Tensor take_window(const Tensor& grad, const TensorGeometry& base, const TensorGeometry& view);

class WindowNode : public Node {
 public:
  WindowNode(TensorGeometry base, TensorGeometry view, bool scatter)
      : base_(std::move(base)), view_(std::move(view)), scatter_(scatter) {}
  tensor_list apply(tensor_list&& grads) override {
    return {scatter_ ? take_window(grads[0], base_, view_) : scatter_window(grads[0], base_, view_)};
  }
  std::string name() const override { return scatter_ ? "AsStridedScatterBackward0" : "AsStridedBackward0"; }

 private:
  TensorGeometry base_, view_;
  bool scatter_;
};

template <bool kScatter>
Tensor record_window(const Tensor& in, Tensor out, const TensorGeometry& base, const TensorGeometry& view) {
  if (GradMode::is_enabled() && in.requires_grad()) {
    auto node = std::make_shared<WindowNode>(base, view, kScatter);
    node->set_next_edges({gradient_edge(in)});
    set_history(out, node);
  }
  return out;
}

Tensor scatter_window(const Tensor& grad, const TensorGeometry& base, const TensorGeometry& view) {
  // An expanded view (stride 0) shows one element many times: its gradient is the sum of
  // theirs, so reduce those dims first (a plain copy would keep only the last one).
  std::vector<int64_t> overlapping;
  for (size_t d = 0; d < view.sizes.size(); ++d)
    if (view.strides[d] == 0 && view.sizes[d] > 1) overlapping.push_back(static_cast<int64_t>(d));
  if (!overlapping.empty()) {
    TensorGeometry reduced = view;
    for (int64_t d : overlapping) reduced.sizes[d] = 1;
    return scatter_window(ops::sum(grad, overlapping, /*keepdim=*/true, std::nullopt), base, reduced);
  }
  auto [result, window] = base_and_view_buffers(base, view, grad.dtype());
  kernels::copy(window, grad);
  return record_window<true>(grad, result, base, view);
}

Tensor take_window(const Tensor& grad, const TensorGeometry& base, const TensorGeometry& view) {
  auto [laid_out, window] = base_and_view_buffers(base, view, grad.dtype());
  kernels::copy(laid_out, grad);
  Tensor out = ops::empty(window.sizes(), window.dtype());
  kernels::copy(out, window);
  return record_window<false>(grad, out, base, view);
}

}  // namespace

tensor_list AsStridedBackward0::apply(tensor_list&& grads) { return {scatter_window(grads[0], base_, view_)}; }

CopySlices::CopySlices(TensorGeometry base, TensorGeometry view, std::shared_ptr<Node> fn)
    : base_(std::move(base)), view_(std::move(view)), fn_(std::move(fn)) {
  next_edges_.reserve(fn_->next_edges().size());
  next_edges_.emplace_back();  // the base's old history, set by the caller
  for (size_t i = 1; i < fn_->next_edges().size(); ++i) next_edges_.push_back(fn_->next_edges()[i]);
}

tensor_list CopySlices::apply(tensor_list&& grads) {
  if (GradMode::is_enabled()) {
    // create_graph: the same computation in recorded ops (Note [Differentiable window ops]):
    // result = grad - scatter(window(grad)) + scatter(fn(window(grad))).
    Tensor slice_grad = take_window(grads[0], base_, view_);
    tensor_list res = fn_->apply({slice_grad});
    Tensor result = ops::sub(grads[0], scatter_window(slice_grad, base_, view_), Scalar(int64_t{1}));
    if (!res.empty() && res[0].defined()) {
      Tensor update = res[0].sizes() == view_.sizes ? res[0] : ops::expand(res[0], view_.sizes);
      result = ops::add(result, scatter_window(ops::to_dtype(update, grads[0].dtype()), base_, view_),
                        Scalar(int64_t{1}));
    }
    tensor_list out(next_edges_.size());
    out[0] = result;
    for (size_t i = 1; i < out.size() && i < res.size(); ++i) out[i] = res[i];
    return out;
  }
  auto [result, window] = base_and_view_buffers(base_, view_, grads[0].dtype());
  kernels::copy(result, grads[0]);
  Tensor slice_grad(make_intrusive<TensorImpl>(Storage::allocate(window.numel() * itemsize(window.dtype())), 0,
                                               window.sizes(), contiguous_strides(window.sizes()), window.dtype()));
  kernels::copy(slice_grad, window);
  tensor_list res = fn_->apply({slice_grad});
  tensor_list out(next_edges_.size());
  if (res.size() > 0 && res[0].defined()) {
    kernels::copy(window, res[0]);
  } else {
    kernels::fill(window, Scalar(int64_t{0}));
  }
  out[0] = result;
  for (size_t i = 1; i < out.size() && i < res.size(); ++i) out[i] = res[i];
  return out;
}

}  // namespace bibun
