// matmul and the products it dispatches to: dot (1-D.1-D), mv (2-D.1-D), mm (2-D.2-D),
// and vector @ matrix as unsqueeze -> mm -> squeeze, as PyTorch does.
#include "ops/common.h"

namespace bibun::ops {

Tensor squeeze_for_matmul(const Tensor& a, int64_t dim);  // ops/view.cpp

namespace {
const char* lower_c_name(ScalarType t) {
  static const char* names[] = {"bool", "int", "long int", "float", "double"};
  return names[static_cast<int>(t)];
}
}  // namespace

namespace {
void check_not_bool(const Tensor& a, const char* kernel) {
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool, "\"", kernel, "\" not implemented for 'Bool'");
}
}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() == 2, "self must be a matrix");
  BIBUN_CHECK(b.dim() == 2, "mat2 must be a matrix");
  BIBUN_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
              a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  BIBUN_CHECK(a.dtype() == b.dtype(), "expected m1 and m2 to have the same dtype, but got: ", lower_c_name(a.dtype()),
              " != ", lower_c_name(b.dtype()));
  check_not_bool(a, "addmm_impl_cpu_");
  Tensor out = empty({a.sizes()[0], b.sizes()[1]}, a.dtype());
  kernels::mm(out, a, b);
  if (auto node = make_node<MmBackward0>({&a, &b})) {
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor mv(const Tensor& a, const Tensor& v) {
  BIBUN_CHECK(a.dim() == 2 && v.dim() == 1, "vector + matrix @ vector expected, got ", a.dim(), ", ", a.dim(), ", ",
              v.dim());
  BIBUN_CHECK(a.sizes()[1] == v.sizes()[0], "size mismatch, got input (", a.sizes()[0], "), mat (", a.sizes()[0], "x",
              a.sizes()[1], "), vec (", v.sizes()[0], ")");
  BIBUN_CHECK(a.dtype() == v.dtype(), "addmv input tensors must have the same dtype, but got ", c_type_name(v.dtype()),
              ", ", c_type_name(a.dtype()), ", and ", c_type_name(v.dtype()));
  check_not_bool(a, "addmv_impl_cpu");
  Tensor out = empty({a.sizes()[0], 1}, a.dtype());
  DimVector col_sizes{v.sizes()[0], 1}, col_strides{v.strides()[0], 1};
  Tensor v_col(make_intrusive<TensorImpl>(v->storage(), v->offset(), col_sizes, col_strides, v.dtype()));
  kernels::mm(out, a, v_col);
  out->set_sizes_and_strides({a.sizes()[0]}, {1}, 0);
  if (auto node = make_node<MvBackward0>({&a, &v})) {
    if (node->needs_input_grad(0)) node->save(kOther, v);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() == 1 && b.dim() == 1, "1D tensors expected, but got ", a.dim(), "D and ", b.dim(),
              "D tensors");
  BIBUN_CHECK(a.numel() == b.numel(), "inconsistent tensor size, expected tensor [", a.numel(), "] and src [",
              b.numel(), "] to have the same number of elements, but got ", a.numel(), " and ", b.numel(),
              " elements respectively");
  BIBUN_CHECK(a.dtype() == b.dtype(), "dot : expected both vectors to have same dtype, but found ",
              c_type_name(a.dtype()), " and ", c_type_name(b.dtype()));
  check_not_bool(a, "dot");
  Tensor out = empty({1, 1}, a.dtype());
  Tensor row(make_intrusive<TensorImpl>(a->storage(), a->offset(), DimVector{1, a.numel()},
                                        DimVector{a.numel() * std::max<int64_t>(a.strides()[0], 1), a.strides()[0]},
                                        a.dtype()));
  Tensor col(make_intrusive<TensorImpl>(b->storage(), b->offset(), DimVector{b.numel(), 1},
                                        DimVector{b.strides()[0], 1}, b.dtype()));
  kernels::mm(out, row, col);
  out->set_sizes_and_strides({}, {}, 0);
  if (auto node = make_node<DotBackward0>({&a, &b})) {
    if (node->needs_input_grad(0)) node->save(kOther, b);
    if (node->needs_input_grad(1)) node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(a.dim() >= 1 && b.dim() >= 1, "both arguments to matmul need to be at least 1D, but they are ",
              a.dim(), "D and ", b.dim(), "D");
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  if (a.dim() == 2 && b.dim() == 1) return mv(a, b);
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (a.dim() == 1 && b.dim() == 2) return squeeze_for_matmul(mm(unsqueeze(a, 0), b), 0);
  throw NotImplementedError("matmul of tensors with more than 2 dimensions (batched matmul) is not implemented yet");
}

}  // namespace bibun::ops
