// Backward formulas of reductions (ops/reduction.cpp).
#include <cmath>

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "kernels/kernels.h"

namespace bibun {

using namespace formulas;

tensor_list SumBackward0::apply(tensor_list&& g) { return {ops::expand(g[0], self_sizes)}; }

tensor_list SumBackward1::apply(tensor_list&& g) {
  Tensor grad = keepdim ? g[0] : unsqueeze_dims(g[0], dims);
  return {ops::expand(grad, self_sizes)};
}

tensor_list MeanBackward0::apply(tensor_list&& g) {
  return {ops::div(ops::expand(g[0], self_sizes), scalar(static_cast<double>(count)))};
}

tensor_list MeanBackward1::apply(tensor_list&& g) {
  Tensor grad = keepdim ? g[0] : unsqueeze_dims(g[0], dims);
  return {ops::div(ops::expand(grad, self_sizes), scalar(static_cast<double>(count)))};
}

tensor_list LinalgVectorNormBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf), norm = saved(kResult);
  Tensor grad = g[0];
  if (!keepdim && self.dim() > 0) {
    grad = unsqueeze_dims(grad, dims);
    norm = unsqueeze_dims(norm, dims);
  }
  Tensor zero = scalar(0.0);
  if (p == 0.0) return {zeros_like(self)};
  if (p == 1.0) return {ops::mul(ops::sign(self), grad)};
  if (std::isinf(p)) {
    // The gradient is shared equally by the elements that reach the max (min) |x|.
    Tensor hits = ops::to_dtype(ops::eq(ops::abs(self), norm), self.dtype());
    Tensor count = ops::sum(hits, dims, true, std::nullopt);
    return {ops::mul(ops::mul(ops::sign(self), hits), ops::div(grad, count))};
  }
  Tensor scale;
  if (p == 2.0) {
    scale = ops::div(grad, norm);
  } else {
    Tensor self_scale = ops::pow(ops::abs(self), Scalar(p - 2.0));
    return {ops::masked_fill(
        ops::mul(ops::mul(self, self_scale), ops::div(grad, ops::pow(norm, Scalar(p - 1.0)))),
        ops::expand(ops::eq(norm, zero), self.sizes()), Scalar(0.0))};
  }
  Tensor masked = ops::masked_fill(scale, ops::eq(norm, zero), Scalar(0.0));
  return {ops::mul(self, masked)};
}

}  // namespace bibun
