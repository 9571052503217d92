// Backward formulas of reductions (ops/reduction.cpp).
#include <cmath>

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "autograd/formulas/reduction_nodes.h"
#include "kernels/kernels.h"
#include "ops/indexing.h"
#include "ops/reduction_ext.h"
#include "ops/shape.h"

namespace bibun {

using namespace formulas;

tensor_list SumBackward0::apply(tensor_list&& g) { return {ops::expand(g[0], self_sizes)}; }

tensor_list SumBackward1::apply(tensor_list&& g) {
  Tensor grad = keepdim || self_sizes.empty() ? g[0] : unsqueeze_dims(g[0], dims);
  return {ops::expand(grad, self_sizes)};
}

tensor_list MeanBackward0::apply(tensor_list&& g) {
  return {ops::div(ops::expand(g[0], self_sizes), scalar(static_cast<double>(count)))};
}

tensor_list MeanBackward1::apply(tensor_list&& g) {
  Tensor grad = keepdim || self_sizes.empty() ? g[0] : unsqueeze_dims(g[0], dims);
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
  if (p == 0.0) return {Tensor()};  // PyTorch: no gradient for the 0-"norm"
  if (p == 1.0) return {ops::mul(ops::sign(self), grad)};
  if (std::isinf(p)) {
    // The gradient is shared equally by the elements that reach the max (min) |x|.
    Tensor hits = ops::to_dtype(ops::eq(ops::abs(self), norm), self.dtype());
    Tensor count = ops::sum(hits, dims, true, std::nullopt);
    return {ops::mul(ops::mul(ops::sign(self), hits), ops::div(grad, count))};
  }
  if (p == 2.0) return {ops::mul(self, ops::masked_fill(ops::div(grad, norm), ops::eq(norm, zero), Scalar(0.0)))};
  if (p < 1.0) {  // |x|^(p-1) is infinite at 0, where PyTorch puts a zero gradient
    Tensor self_scaled = ops::masked_fill(ops::mul(ops::sign(self), ops::pow(ops::abs(self), Scalar(p - 1.0))),
                                          ops::eq(self, zero), Scalar(0.0));
    return {ops::mul(ops::mul(self_scaled, grad), ops::pow(norm, Scalar(1.0 - p)))};
  }
  Tensor self_scaled = p < 2.0 ? ops::mul(ops::sign(self), ops::pow(ops::abs(self), Scalar(p - 1.0)))
                               : ops::mul(self, ops::pow(ops::abs(self), Scalar(p - 2.0)));
  Tensor scale = ops::masked_fill(ops::div(grad, ops::pow(norm, Scalar(p - 1.0))), ops::eq(norm, zero), Scalar(0.0));
  return {ops::mul(self_scaled, scale)};
}

}  // namespace bibun

// ---- Reductions with dim (ops/reduction_ext.cpp) ----

namespace bibun {

namespace {

Tensor cmp(kernels::BinaryOp op, const Tensor& a, const Tensor& b) { return ops::compare(static_cast<int>(op), a, b); }
Tensor is_nan(const Tensor& t) { return cmp(kernels::BinaryOp::Ne, t, t); }

// A gradient (and a saved result) of a reduction, with the reduced dims restored as size 1.
Tensor restore(const Tensor& t, const ReducedDims& r, int64_t self_dim) {
  return r.keepdim || self_dim == 0 ? t : unsqueeze_dims(t, r.dims);
}

int64_t reduced_count(const Tensor& self, const Tensor& result) {
  return result.numel() == 0 ? 0 : self.numel() / result.numel();
}

// (grad / count) on the elements of `self` equal to the (restored) result, shared evenly.
Tensor distribute_evenly(const Tensor& grad, const Tensor& self, const Tensor& value, const std::vector<int64_t>& dims) {
  Tensor mask = ops::to_dtype(cmp(kernels::BinaryOp::Eq, self, value), self.dtype());
  Tensor count = ops::sum(mask, dims, true, std::nullopt);
  return ops::mul(ops::div(grad, count), mask);
}

// Whole-tensor max/min/median: PyTorch counts NaN as equal to a NaN result. grad / count written
// into zeros where the mask is set (MaskedFillBackward1, as PyTorch's evenly_distribute_backward).
Tensor distribute_all(const Tensor& grad, const Tensor& self, const Tensor& value) {
  Tensor mask = ops::where(is_nan(value), is_nan(self), cmp(kernels::BinaryOp::Eq, self, value));
  Tensor count = ops::sum(ops::to_dtype(mask, self.dtype()), {}, false, std::nullopt);
  return ops::masked_fill(zeros_like(self), mask, ops::div(grad, count));
}

// Reverse (suffix) cumulative sum along dim: sum_{j >= i} g_j.
Tensor reverse_cumsum(const Tensor& g, int64_t dim) {
  return ops::add(ops::sub(ops::sum(g, {dim}, true, std::nullopt), ops::cumsum(g, dim, std::nullopt), Scalar(int64_t{1})),
                  g, Scalar(int64_t{1}));
}

Tensor var_backward(const Tensor& grad, const Tensor& self, const ReducedDims& r, double correction) {
  Tensor g = restore(grad, r, self.dim());
  int64_t n = reduced_count(self, grad);
  double dof = std::max(0.0, static_cast<double>(n) - correction);
  Tensor centered = ops::sub(self, ops::mean(self, r.dims, true, std::nullopt), Scalar(int64_t{1}));
  return ops::mul(ops::mul(g, scalar(2.0 / dof)), centered);
}

Tensor std_backward(const Tensor& grad, const Tensor& self, const Tensor& result, const ReducedDims& r,
                    double correction) {
  Tensor gvar = ops::masked_fill(ops::div(grad, ops::mul(result, scalar(2.0))), ops::eq(result, scalar(0.0)),
                                 Scalar(0.0));
  return var_backward(gvar, self, r, correction);
}

Tensor mean_backward(const Tensor& grad, const Tensor& self, const ReducedDims& r) {
  int64_t n = reduced_count(self, grad);
  return ops::div(ops::expand(restore(grad, r, self.dim()), self.sizes()), scalar(static_cast<double>(n)));
}

// The gradient of a value-selecting reduction with dim: grad placed at the selected indices
// (scatter into zeros: ScatterBackward0, as PyTorch's value_selecting_reduction_backward); the
// cumulative ones add (several outputs select the same element: ScatterAddBackward0).
Tensor select_backward_dim(const Tensor& grad, const Tensor& indices, const DimVector& sizes, int64_t dim, bool keepdim,
                           bool accumulate = false) {
  bool squeeze = !keepdim && !sizes.empty();
  Tensor g = squeeze ? ops::unsqueeze(grad, dim) : grad;
  Tensor i = squeeze ? ops::unsqueeze(indices, dim) : indices;
  if (accumulate) return ops::scatter_add_along(sizes, dim, i, g);
  return ops::scatter(ops::zeros(sizes, g.dtype()), dim, i, g, Scalar(0.0), "");
}

// Along the last dim of `x` (n elements): P[..., i, j] = product of x[..., k] for k <= j, k != i
// (with x_i taken as one), and the (j >= i) mask. Written with differentiable ops, O(n^2): used only
// where a zero makes the division formulas wrong.
Tensor products_skipping_each(const Tensor& x, Tensor* upper = nullptr) {
  const int64_t n = x.dim() == 0 ? 1 : x.sizes()[x.dim() - 1];
  DimVector square;  // [..., n(i), n(j)]
  for (int64_t d = 0; d + 1 < x.dim(); ++d) square.push_back(x.sizes()[d]);
  square.push_back(n);
  square.push_back(n);
  Tensor columns = ops::expand(ops::unsqueeze(x, x.dim() - 1), square);
  Tensor diagonal = ops::eq(ops::eye(n, n, ScalarType::Float64), scalar(1.0));
  if (upper) {
    std::vector<uint8_t> mask(n * n);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) mask[i * n + j] = j >= i;
    *upper = ops::from_blob_copy(mask.data(), {n, n}, {n, 1}, ScalarType::Bool);
  }
  return ops::cumprod(ops::where(diagonal, scalar(1.0), columns), x.dim(), std::nullopt);
}

// The gradient of prod over `dim` (restored as size 1) of `self`: grad * result / self when no
// slice holds a zero (PyTorch's choice), else grad * (product of the others), exactly.
Tensor prod_backward(const Tensor& grad, const Tensor& self, const Tensor& result, int64_t dim) {
  bool any_zero = ops::any(ops::eq(self, scalar(0.0)), {}, false).data<bool>()[0];
  if (!any_zero) return ops::mul(grad, ops::div(result, self));
  const int64_t last = self.dim() - 1;
  Tensor moved = ops::transpose(self, dim, last);
  Tensor p = products_skipping_each(moved);
  Tensor others = ops::select(p, p.dim() - 1, moved.sizes()[last] - 1);  // [..., n(i)]
  return ops::mul(grad, ops::transpose(others, dim, last));
}

}  // namespace

tensor_list ProdBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf), result = saved(kResult);
  if (self.dim() == 0) return {ops::to_dtype(g[0], self.dtype())};
  Tensor flat = ops::reshape(self, {self.numel()});
  Tensor grad = prod_backward(g[0], flat, result, 0);
  return {ops::to_dtype(ops::reshape(grad, self.sizes()), self.dtype())};
}

tensor_list ProdBackward1::apply(tensor_list&& g) {
  Tensor self = saved(kSelf), result = saved(kResult);
  if (self.dim() == 0) return {ops::to_dtype(g[0], self.dtype())};
  ReducedDims r{{dim}, keepdim};
  Tensor grad = prod_backward(restore(g[0], r, self.dim()), self, restore(result, r, self.dim()), dim);
  return {ops::to_dtype(grad, self.dtype())};
}

tensor_list AmaxBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  return {distribute_evenly(restore(g[0], r, self.dim()), self, restore(saved(kResult), r, self.dim()), r.dims)};
}

tensor_list AminBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  return {distribute_evenly(restore(g[0], r, self.dim()), self, restore(saved(kResult), r, self.dim()), r.dims)};
}

tensor_list AminmaxBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor lo = restore(saved(kResult), r, self.dim()), hi = restore(saved(kOther), r, self.dim());
  return {ops::add(distribute_evenly(restore(g[0], r, self.dim()), self, lo, r.dims),
                   distribute_evenly(restore(g[1], r, self.dim()), self, hi, r.dims), Scalar(int64_t{1}))};
}

tensor_list MaxBackward1::apply(tensor_list&& g) { return {distribute_all(g[0], saved(kSelf), saved(kResult))}; }
tensor_list MinBackward1::apply(tensor_list&& g) { return {distribute_all(g[0], saved(kSelf), saved(kResult))}; }
tensor_list MedianBackward0::apply(tensor_list&& g) { return {distribute_all(g[0], saved(kSelf), saved(kResult))}; }

tensor_list MaxBackward0::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, keepdim)};
}
tensor_list MinBackward0::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, keepdim)};
}
tensor_list MedianBackward1::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, keepdim)};
}
tensor_list ModeBackward0::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, keepdim)};
}
tensor_list CummaxBackward0::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, true, /*accumulate=*/true)};
}
tensor_list CumminBackward0::apply(tensor_list&& g) {
  return {select_backward_dim(g[0], saved(kExtra), self_sizes, dim, true, /*accumulate=*/true)};
}

tensor_list VarBackward0::apply(tensor_list&& g) { return {var_backward(g[0], saved(kSelf), r, correction)}; }

tensor_list StdBackward0::apply(tensor_list&& g) {
  return {std_backward(g[0], saved(kSelf), saved(kResult), r, correction)};
}

tensor_list VarMeanBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  return {ops::add(var_backward(g[0], self, r, correction), mean_backward(g[1], self, r), Scalar(int64_t{1}))};
}

tensor_list StdMeanBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  return {ops::add(std_backward(g[0], self, saved(kResult), r, correction), mean_backward(g[1], self, r),
                   Scalar(int64_t{1}))};
}

tensor_list LogsumexpBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor result = restore(saved(kResult), r, self.dim());
  return {ops::mul(restore(g[0], r, self.dim()), ops::exp(ops::sub(self, result, Scalar(int64_t{1}))))};
}

tensor_list NansumBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor grad = ops::expand(restore(g[0], r, self.dim()), self.sizes());
  return {ops::masked_fill(grad, is_nan(self), Scalar(0.0))};
}

tensor_list CumsumBackward0::apply(tensor_list&& g) {
  return {reverse_cumsum(ops::to_dtype(g[0], self_dtype), dim)};
}

tensor_list CumprodBackward0::apply(tensor_list&& g) {
  // grad_i = sum_{j>=i} g_j y_j / x_i without zeros; with a zero, the exact
  // sum_{j>=i} g_j prod_{k<=j, k!=i} x_k (both differentiable, so double backward holds).
  Tensor self = saved(kSelf), result = saved(kResult);
  Tensor grad = ops::to_dtype(g[0], self_dtype);
  if (self.numel() == 0 || self.dim() == 0) return {grad};
  bool any_zero = ops::any(ops::eq(self, scalar(0.0)), {}, false).data<bool>()[0];
  if (!any_zero) return {ops::div(reverse_cumsum(ops::mul(grad, result), dim), self)};
  const int64_t last = self.dim() - 1;
  Tensor moved = ops::transpose(self, dim, last), g_moved = ops::transpose(grad, dim, last);
  Tensor upper;
  Tensor p = products_skipping_each(moved, &upper);  // [..., n(i), n(j)]
  Tensor terms = ops::where(upper, ops::mul(p, ops::unsqueeze(g_moved, g_moved.dim() - 1)), scalar(0.0));
  Tensor summed = ops::sum(terms, {terms.dim() - 1}, false, std::nullopt);
  return {ops::transpose(summed, dim, last)};
}


}  // namespace bibun
