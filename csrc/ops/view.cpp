// View ops: results share storage, version counter and base with their input (Note [Version
// counter]); reshape copies only when no view can express the new shape.
#include <algorithm>
#include <numeric>

#include "autograd/formulas/shape_nodes.h"
#include "ops/common.h"
#include "ops/shape.h"

namespace bibun::ops {

namespace {

Tensor make_view(const Tensor& a, DimVector sizes, DimVector strides, int64_t offset) {
  auto impl = make_intrusive<TensorImpl>(a->storage(), offset, std::move(sizes), std::move(strides), a.dtype());
  impl->set_version_counter(a->version_counter());
  impl->set_view_base(a->is_view() ? a->view_base() : a.impl());
  Tensor out(std::move(impl));
  // A view taken under no_grad of a tensor that requires grad still reports requires_grad
  // (as a leaf without grad_fn), as in PyTorch.
  if (!GradMode::is_enabled() && a.requires_grad()) out->ensure_autograd_meta().requires_grad = true;
  return out;
}

// Records node N on a view result; `fill` sets the node's fields.
template <typename N, typename Fill>
Tensor record_view(const Tensor& a, Tensor out, Fill&& fill) {
  if (auto node = make_node<N>({&a})) {
    fill(*node);
    set_history(out, node);
  }
  return out;
}

// Sizes with one -1 inferred, with PyTorch's errors.
DimVector infer_size(const DimVector& sizes, int64_t numel) {
  DimVector out = sizes;
  int64_t known = 1;
  std::optional<size_t> infer;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      BIBUN_CHECK(!infer, "only one dimension can be inferred");
      infer = i;
    } else {
      BIBUN_CHECK(sizes[i] >= 0, "invalid shape dimension ", sizes[i]);
      known *= sizes[i];
    }
  }
  if (infer) {
    BIBUN_CHECK(known != 0 && numel % known == 0, "shape '", shape_str(sizes), "' is invalid for input of size ", numel);
    out[*infer] = numel / known;
  } else {
    BIBUN_CHECK(known == numel, "shape '", shape_str(sizes), "' is invalid for input of size ", numel);
  }
  return out;
}

// Strides that view `a` with `sizes` without copying, if any exist (PyTorch's computeStride).
std::optional<DimVector> view_strides(const Tensor& a, const DimVector& sizes) {
  const DimVector& old_sizes = a.sizes();
  const DimVector& old_strides = a.strides();
  DimVector new_strides(sizes.size());
  if (a.numel() == 0 || old_sizes.empty()) return contiguous_strides(sizes);
  int64_t view_d = static_cast<int64_t>(sizes.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t tensor_d = static_cast<int64_t>(old_sizes.size()) - 1; tensor_d >= 0; --tensor_d) {
    tensor_numel *= old_sizes[tensor_d];
    if (tensor_d == 0 || (old_sizes[tensor_d - 1] != 1 && old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (tensor_d > 0) {
        chunk_base_stride = old_strides[tensor_d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

template <typename N>
Tensor squeeze_dim(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim());
  DimVector sizes = a.sizes(), strides = a.strides();
  if (a.dim() > 0 && sizes[d] == 1) {
    sizes.erase(d);
    strides.erase(d);
  }
  return record_view<N>(a, make_view(a, sizes, strides, a->offset()), [&](N& n) {
    n.self_sizes = a.sizes();
    n.dim = d;
  });
}

// Writes `grad` into a zero tensor of `sizes` through the view `make_window` cuts from it.
template <typename Window>
Tensor embed(const Tensor& grad, const DimVector& sizes, Window&& make_window) {
  Tensor out = zeros(sizes, grad.dtype());
  Tensor window = make_window(out);
  kernels::copy(window, grad);
  return out;
}

}  // namespace

Tensor expand(const Tensor& a, const DimVector& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  BIBUN_CHECK(nd >= a.dim(), "expand(bibun.", legacy_type_name(a.dtype()), "{", shape_str(a.sizes()),
              "}, size=", shape_str(sizes), "): the number of sizes provided (", nd,
              ") must be greater or equal to the number of dimensions in the tensor (", a.dim(), ")");
  DimVector out_sizes(nd), out_strides(nd);
  const int64_t off = nd - a.dim();
  for (int64_t d = nd - 1; d >= 0; --d) {
    int64_t target = sizes[d];
    if (d < off) {
      BIBUN_CHECK(target >= 0, "The expanded size of the tensor (", target,
                  ") isn't allowed in a leading, non-existing dimension ", d);
      out_sizes[d] = target;
      out_strides[d] = 0;
      continue;
    }
    int64_t have = a.sizes()[d - off];
    if (target == -1) target = have;
    BIBUN_CHECK(have == target || have == 1, "The expanded size of the tensor (", target,
                ") must match the existing size (", have, ") at non-singleton dimension ", d,
                ".  Target sizes: ", shape_str(sizes), ".  Tensor sizes: ", shape_str(a.sizes()));
    out_sizes[d] = target;
    out_strides[d] = have == target ? a.strides()[d - off] : 0;
  }
  return record_view<ExpandBackward0>(a, make_view(a, out_sizes, out_strides, a->offset()),
                                      [&](ExpandBackward0& n) { n.self_sizes = a.sizes(); });
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim() + 1);
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t stride = d < a.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, stride);
  return record_view<UnsqueezeBackward0>(a, make_view(a, sizes, strides, a->offset()),
                                         [&](UnsqueezeBackward0& n) { n.dim = d; });
}

Tensor squeeze(const Tensor& a, int64_t dim) { return squeeze_dim<SqueezeBackward1>(a, dim); }

// matmul's vector @ matrix: PyTorch squeezes in place there and shows SqueezeBackward4.
Tensor squeeze_for_matmul(const Tensor& a, int64_t dim);
Tensor squeeze_for_matmul(const Tensor& a, int64_t dim) { return squeeze_dim<SqueezeBackward4>(a, dim); }

Tensor squeeze_all(const Tensor& a) {
  DimVector sizes, strides;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (a.sizes()[d] == 1) continue;
    sizes.push_back(a.sizes()[d]);
    strides.push_back(a.strides()[d]);
  }
  return record_view<SqueezeBackward0>(a, make_view(a, sizes, strides, a->offset()),
                                       [&](SqueezeBackward0& n) { n.self_sizes = a.sizes(); });
}

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  const int64_t nd = a.dim();
  int64_t x = wrap_dim(d0, nd), y = wrap_dim(d1, nd);
  DimVector sizes = a.sizes(), strides = a.strides();
  if (nd > 0) {
    std::swap(sizes[x], sizes[y]);
    std::swap(strides[x], strides[y]);
  }
  return record_view<TransposeBackward0>(a, make_view(a, sizes, strides, a->offset()), [&](TransposeBackward0& n) {
    n.dim0 = x;
    n.dim1 = y;
  });
}

Tensor t(const Tensor& a) {
  BIBUN_CHECK(a.dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", a.dim(), "D");
  DimVector sizes = a.sizes(), strides = a.strides();
  if (a.dim() == 2) {
    std::swap(sizes[0], sizes[1]);
    std::swap(strides[0], strides[1]);
  }
  return record_view<TBackward0>(a, make_view(a, sizes, strides, a->offset()), [](TBackward0&) {});
}

Tensor permute(const Tensor& a, const std::vector<int64_t>& dims_in) {
  BIBUN_CHECK(static_cast<int64_t>(dims_in.size()) == a.dim(),
              "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
              "desired ordering of dimensions i.e. input.dim() = ", a.dim(), " is not equal to len(dims) = ",
              dims_in.size());
  std::vector<int64_t> dims = wrap_dims(dims_in, a.dim());
  DimVector sizes(dims.size()), strides(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    sizes[i] = a.sizes()[dims[i]];
    strides[i] = a.strides()[dims[i]];
  }
  return record_view<PermuteBackward0>(a, make_view(a, sizes, strides, a->offset()),
                                       [&](PermuteBackward0& n) { n.dims = dims; });
}

Tensor view(const Tensor& a, const DimVector& sizes_in) {
  DimVector sizes = infer_size(sizes_in, a.numel());
  auto strides = view_strides(a, sizes);
  BIBUN_CHECK(strides.has_value(),
              "view size is not compatible with input tensor's size and stride (at least one dimension spans across "
              "two contiguous subspaces). Use .reshape(...) instead.");
  return record_view<ViewBackward0>(a, make_view(a, sizes, *strides, a->offset()),
                                    [&](ViewBackward0& n) { n.self_sizes = a.sizes(); });
}

Tensor reshape(const Tensor& a, const DimVector& sizes_in) {
  DimVector sizes = infer_size(sizes_in, a.numel());
  if (auto strides = view_strides(a, sizes)) {
    if (a.is_contiguous()) return view(a, sizes);
    // A strided input that still fits a view: PyTorch's _reshape_alias.
    return record_view<ReshapeAliasBackward0>(a, make_view(a, sizes, *strides, a->offset()),
                                              [&](ReshapeAliasBackward0& n) { n.self_sizes = a.sizes(); });
  }
  // No view fits: copy, then view the copy without recording a view (PyTorch's _unsafe_view).
  Tensor copy = contiguous(a);
  Tensor out(make_intrusive<TensorImpl>(copy->storage(), 0, sizes, contiguous_strides(sizes), a.dtype()));
  out->set_version_counter(copy->version_counter());
  return record_view<UnsafeViewBackward0>(copy, out, [&](UnsafeViewBackward0& n) { n.self_sizes = a.sizes(); });
}

Tensor flatten(const Tensor& a, int64_t start_dim, int64_t end_dim) {
  if (a.dim() == 0) return reshape(a, {1});
  int64_t s = wrap_dim(start_dim, a.dim()), e = wrap_dim(end_dim, a.dim());
  BIBUN_CHECK(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (s == e) return a;
  DimVector sizes;
  for (int64_t d = 0; d < s; ++d) sizes.push_back(a.sizes()[d]);
  int64_t n = 1;
  for (int64_t d = s; d <= e; ++d) n *= a.sizes()[d];
  sizes.push_back(n);
  for (int64_t d = e + 1; d < a.dim(); ++d) sizes.push_back(a.sizes()[d]);
  return reshape(a, sizes);
}

Tensor select(const Tensor& a, int64_t dim, int64_t index) {
  BIBUN_CHECK_T(IndexError, a.dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t size = a.sizes()[d];
  BIBUN_CHECK_T(IndexError, index >= -size && index < size, "select(): index ", index,
                " out of range for tensor of size ", shape_str(a.sizes()), " at dimension ", d);
  int64_t i = index < 0 ? index + size : index;
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t offset = a->offset() + i * strides[d];
  sizes.erase(d);
  strides.erase(d);
  return record_view<SelectBackward0>(a, make_view(a, sizes, strides, offset), [&](SelectBackward0& n) {
    n.self_sizes = a.sizes();
    n.dim = d;
    n.index = i;
  });
}

Tensor slice(const Tensor& a, int64_t dim, std::optional<int64_t> start_in, std::optional<int64_t> end_in,
             int64_t step) {
  BIBUN_CHECK_T(IndexError, a.dim() > 0, "slice() cannot be applied to a 0-dim tensor.");
  BIBUN_CHECK_T(ValueError, step > 0, "step must be greater than zero");
  int64_t d = wrap_dim(dim, a.dim());
  int64_t size = a.sizes()[d];
  auto clamp = [size](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t x = *v < 0 ? *v + size : *v;
    return std::clamp<int64_t>(x, 0, size);
  };
  int64_t start = clamp(start_in, 0), end = std::max(clamp(end_in, size), start);
  int64_t len = (end - start + step - 1) / step;
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t offset = a->offset() + start * strides[d];
  sizes[d] = len;
  strides[d] *= step;
  return record_view<SliceBackward0>(a, make_view(a, sizes, strides, offset), [&](SliceBackward0& n) {
    n.self_sizes = a.sizes();
    n.dim = d;
    n.start = start;
    n.end = end;
    n.step = step;
  });
}

Tensor alias(const Tensor& a) {
  return record_view<AliasBackward0>(a, make_view(a, a.sizes(), a.strides(), a->offset()), [](AliasBackward0&) {});
}

Tensor select_backward(const Tensor& grad, const DimVector& sizes, int64_t dim, int64_t index) {
  Tensor out = embed(grad, sizes, [&](const Tensor& z) {
    AutoGradMode off(false);
    return select(z, dim, index);
  });
  if (auto node = make_node<SelectBackwardBackward0>({&grad})) {
    node->dim = dim;
    node->index = index;
    set_history(out, node);
  }
  return out;
}

Tensor slice_backward(const Tensor& grad, const DimVector& sizes, int64_t dim, int64_t start, int64_t end,
                      int64_t step) {
  Tensor out = embed(grad, sizes, [&](const Tensor& z) {
    AutoGradMode off(false);
    return slice(z, dim, start, end, step);
  });
  if (auto node = make_node<SliceBackwardBackward0>({&grad})) {
    node->dim = dim;
    node->start = start;
    node->end = end;
    node->step = step;
    set_history(out, node);
  }
  return out;
}

Tensor squeeze_dims(const Tensor& a, const std::vector<int64_t>& dims_in) {
  std::vector<int64_t> dims = wrap_dims(dims_in, a.dim());
  std::sort(dims.begin(), dims.end());
  DimVector sizes, strides;
  std::vector<int64_t> squeezed;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (a.sizes()[d] == 1 && std::binary_search(dims.begin(), dims.end(), d)) {
      squeezed.push_back(d);
      continue;
    }
    sizes.push_back(a.sizes()[d]);
    strides.push_back(a.strides()[d]);
  }
  return record_view<shape_nodes::SqueezeBackward2>(a, make_view(a, sizes, strides, a->offset()),
                                                    [&](shape_nodes::SqueezeBackward2& n) {
                                                      n.self_sizes = a.sizes();
                                                      n.dims = squeezed;
                                                    });
}

namespace {

// The diagonal view without recording.
Tensor diagonal_view(const Tensor& a, int64_t offset, int64_t d1, int64_t d2) {
  const int64_t n1 = a.sizes()[d1], n2 = a.sizes()[d2];
  int64_t len = offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2);
  len = std::max<int64_t>(len, 0);
  int64_t storage_offset = a->offset();
  if (len > 0) storage_offset += offset >= 0 ? offset * a.strides()[d2] : -offset * a.strides()[d1];
  DimVector sizes, strides;
  for (int64_t d = 0; d < a.dim(); ++d) {
    if (d == d1 || d == d2) continue;
    sizes.push_back(a.sizes()[d]);
    strides.push_back(a.strides()[d]);
  }
  sizes.push_back(len);
  strides.push_back(a.strides()[d1] + a.strides()[d2]);
  return make_view(a, sizes, strides, storage_offset);
}

}  // namespace

Tensor diagonal(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t d1 = wrap_dim(dim1, a.dim()), d2 = wrap_dim(dim2, a.dim());
  BIBUN_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  return record_view<shape_nodes::DiagonalBackward0>(a, diagonal_view(a, offset, d1, d2),
                                                     [&](shape_nodes::DiagonalBackward0& n) {
                                                       n.self_sizes = a.sizes();
                                                       n.offset = offset;
                                                       n.dim1 = d1;
                                                       n.dim2 = d2;
                                                     });
}

Tensor diagonal_backward(const Tensor& grad, const DimVector& sizes, int64_t offset, int64_t dim1, int64_t dim2) {
  Tensor out = embed(grad, sizes, [&](const Tensor& z) { return diagonal_view(z, offset, dim1, dim2); });
  if (auto node = make_node<shape_nodes::DiagonalBackwardBackward0>({&grad})) {
    node->offset = offset;
    node->dim1 = dim1;
    node->dim2 = dim2;
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
