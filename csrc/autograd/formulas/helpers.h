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

}  // namespace bibun::formulas
