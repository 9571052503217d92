// View ops: results share storage and version counter with their input.
#include "ops/common.h"

namespace bibun::ops {

namespace {

Tensor make_view(const Tensor& a, DimVector sizes, DimVector strides, int64_t offset) {
  auto impl = make_intrusive<TensorImpl>(a->storage(), offset, std::move(sizes), std::move(strides), a.dtype());
  impl->set_version_counter(a->version_counter());
  impl->set_is_view(true);
  return Tensor(std::move(impl));
}

std::string shape_str(const DimVector& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
  return r + "]";
}

template <typename N>
Tensor squeeze_impl(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim());
  DimVector sizes = a.sizes(), strides = a.strides();
  if (a.dim() > 0 && sizes[d] == 1) {
    sizes.erase(d);
    strides.erase(d);
  }
  Tensor out = make_view(a, sizes, strides, a->offset());
  if (auto node = make_node<N>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = d;
    set_history(out, node);
  }
  return out;
}

}  // namespace

Tensor expand(const Tensor& a, const DimVector& sizes) {
  const int64_t nd = static_cast<int64_t>(sizes.size());
  BIBUN_CHECK(nd >= a.dim(), "expand(torch.FloatTensor{", shape_str(a.sizes()),
              "}, size=", shape_str(sizes),
              "): the number of sizes provided (", nd, ") must be greater or equal to the number of dimensions in the tensor (",
              a.dim(), ")");
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
  Tensor out = make_view(a, out_sizes, out_strides, a->offset());
  if (auto node = make_node<ExpandBackward0>({&a})) {
    node->self_sizes = a.sizes();
    set_history(out, node);
  }
  return out;
}

Tensor unsqueeze(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim() + 1);
  DimVector sizes = a.sizes(), strides = a.strides();
  int64_t stride = d < a.dim() ? sizes[d] * strides[d] : 1;
  sizes.insert(d, 1);
  strides.insert(d, stride);
  Tensor out = make_view(a, sizes, strides, a->offset());
  if (auto node = make_node<UnsqueezeBackward0>({&a})) {
    node->dim = d;
    set_history(out, node);
  }
  return out;
}

Tensor squeeze(const Tensor& a, int64_t dim) { return squeeze_impl<SqueezeBackward1>(a, dim); }

// matmul's vector @ matrix: PyTorch squeezes in place there and shows SqueezeBackward4.
Tensor squeeze_for_matmul(const Tensor& a, int64_t dim);
Tensor squeeze_for_matmul(const Tensor& a, int64_t dim) { return squeeze_impl<SqueezeBackward4>(a, dim); }

Tensor transpose(const Tensor& a, int64_t d0, int64_t d1) {
  const int64_t nd = a.dim();
  int64_t x = wrap_dim(d0, nd), y = wrap_dim(d1, nd);
  DimVector sizes = a.sizes(), strides = a.strides();
  if (nd > 0) {
    std::swap(sizes[x], sizes[y]);
    std::swap(strides[x], strides[y]);
  }
  Tensor out = make_view(a, sizes, strides, a->offset());
  if (auto node = make_node<TransposeBackward0>({&a})) {
    node->dim0 = x;
    node->dim1 = y;
    set_history(out, node);
  }
  return out;
}

Tensor t(const Tensor& a) {
  BIBUN_CHECK(a.dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", a.dim(), "D");
  DimVector sizes = a.sizes(), strides = a.strides();
  if (a.dim() == 2) {
    std::swap(sizes[0], sizes[1]);
    std::swap(strides[0], strides[1]);
  }
  Tensor out = make_view(a, sizes, strides, a->offset());
  if (auto node = make_node<TBackward0>({&a})) set_history(out, node);
  return out;
}

}  // namespace bibun::ops
