// Small differentiable building blocks shared by the formulas.
#pragma once
#include "ops/ops.h"

namespace bibun::formulas {

inline Tensor scalar(double v) { return ops::wrapped_scalar(Scalar(v)); }
inline Tensor scalar(Scalar v) { return ops::wrapped_scalar(v); }
// grad * s, skipping the multiply when s == 1.
inline Tensor maybe_multiply(const Tensor& grad, Scalar s) {
  if (s.to_double() == 1.0) return grad;
  return ops::mul(grad, scalar(s));
}
inline Tensor zeros_like(const Tensor& t) { return ops::zeros(t.sizes(), t.dtype()); }

// Re-inserts reduced dims (sorted ascending) into a reduction's gradient.
inline Tensor unsqueeze_dims(Tensor g, std::vector<int64_t> dims) {
  std::sort(dims.begin(), dims.end());
  for (int64_t d : dims) g = ops::unsqueeze(g, d);
  return g;
}

// A matrix laid out column-major (strides (1, rows)), PyTorch's test in mm_mat1/mat2_backward.
inline bool column_major(const Tensor& m) {
  return m.dim() == 2 && m.strides()[0] == 1 && m.strides()[1] == m.sizes()[0];
}

// Gradients of mat1 and mat2 in mat1 @ mat2, each computed so that it has its input's layout:
// for a column-major input (linear's weight.t()) the product is taken transposed, so the
// weight's gradient arrives contiguous and AccumulateGrad keeps it without a copy.
inline Tensor mm_mat1_grad(const Tensor& grad, const Tensor& mat2, bool mat1_col_major) {
  if (mat1_col_major) return ops::t(ops::mm(mat2, ops::t(grad)));
  return ops::mm(grad, ops::t(mat2));
}
inline Tensor mm_mat2_grad(const Tensor& grad, const Tensor& mat1, bool mat2_col_major) {
  if (mat2_col_major) return ops::t(ops::mm(ops::t(grad), mat1));
  return ops::mm(ops::t(mat1), grad);
}

}  // namespace bibun::formulas
