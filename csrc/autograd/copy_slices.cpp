#include "autograd/copy_slices.h"

#include <cstring>

#include "autograd/grad_mode.h"
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
  std::memset(storage->data(), 0, storage->nbytes());
  Tensor b(make_intrusive<TensorImpl>(storage, base.offset, base.sizes, base.strides, dtype));
  Tensor v(make_intrusive<TensorImpl>(storage, view.offset, view.sizes, view.strides, dtype));
  return {b, v};
}

void check_first_order() {
  BIBUN_CHECK_T(NotImplementedError, !GradMode::is_enabled(),
                "bibun does not yet support create_graph=True through an in-place operation on a view");
}

}  // namespace

tensor_list AsStridedBackward0::apply(tensor_list&& grads) {
  check_first_order();
  auto [result, window] = base_and_view_buffers(base_, view_, grads[0].dtype());
  kernels::copy(window, grads[0]);
  return {result};
}

CopySlices::CopySlices(TensorGeometry base, TensorGeometry view, std::shared_ptr<Node> fn)
    : base_(std::move(base)), view_(std::move(view)), fn_(std::move(fn)) {
  next_edges_.reserve(fn_->next_edges().size());
  next_edges_.emplace_back();  // the base's old history, set by the caller
  for (size_t i = 1; i < fn_->next_edges().size(); ++i) next_edges_.push_back(fn_->next_edges()[i]);
}

tensor_list CopySlices::apply(tensor_list&& grads) {
  check_first_order();
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
