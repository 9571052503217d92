// Formulas of the nodes in formulas/api_gaps.h, written with ops so that create_graph works.
#include "autograd/formulas/api_gaps.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/formulas/helpers.h"
#include "kernels/kernels.h"
#include "ops/api_gaps.h"
#include "ops/binary.h"
#include "ops/shape.h"
#include "ops/unary_math.h"

namespace bibun {

using formulas::scalar;

namespace {

Tensor cmp(kernels::BinaryOp op, const Tensor& a, const Tensor& b) {
  return ops::compare(static_cast<int>(op), a, b);
}
// grad where mask holds, 0 elsewhere (in grad's dtype, shaped as the broadcast of both).
Tensor grad_where(const Tensor& mask, const Tensor& grad) {
  return ops::where(mask, grad, ops::zeros({}, grad.dtype()));
}

}  // namespace

tensor_list ClampMinBackward0::apply(tensor_list&& g) {
  return {grad_where(cmp(kernels::BinaryOp::Ge, saved(kSelf), scalar(min)), g[0])};
}

tensor_list ClampMaxBackward0::apply(tensor_list&& g) {
  return {grad_where(cmp(kernels::BinaryOp::Le, saved(kSelf), scalar(max)), g[0])};
}

// PyTorch: self gets the gradient where self >= min, min where self < min.
tensor_list ClampMinBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), min = saved(kOther);
  Tensor keep = cmp(kernels::BinaryOp::Ge, self, min);
  if (needs_input_grad(0)) r[0] = ops::sum_to(grad_where(keep, g[0]), self.sizes());
  if (needs_input_grad(1)) r[1] = ops::sum_to(grad_where(ops::logical_not(keep), g[0]), min.sizes());
  return r;
}

tensor_list ClampMaxBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), max = saved(kOther);
  Tensor keep = cmp(kernels::BinaryOp::Le, self, max);
  if (needs_input_grad(0)) r[0] = ops::sum_to(grad_where(keep, g[0]), self.sizes());
  if (needs_input_grad(1)) r[1] = ops::sum_to(grad_where(ops::logical_not(keep), g[0]), max.sizes());
  return r;
}

tensor_list RsubBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::sum_to(ops::neg(formulas::maybe_multiply(g[0], alpha)), self_sizes);
  if (needs_input_grad(1)) r[1] = ops::sum_to(g[0], other_sizes);
  return r;
}

// d/dx log(e^x + e^y) = 1 / (1 + e^(y - x)).
tensor_list LogaddexpBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), other = saved(kOther);
  Tensor one = scalar(1.0);
  if (needs_input_grad(0))
    r[0] = ops::sum_to(ops::div(g[0], ops::add(ops::exp(ops::sub(other, self, Scalar(1.0))), one, Scalar(1.0))),
                       self.sizes());
  if (needs_input_grad(1))
    r[1] = ops::sum_to(ops::div(g[0], ops::add(ops::exp(ops::sub(self, other, Scalar(1.0))), one, Scalar(1.0))),
                       other.sizes());
  return r;
}

// (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0 (PyTorch's formula).
tensor_list SincBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor px = ops::mul(self, scalar(std::numbers::pi));
  Tensor num = ops::sub(ops::mul(px, ops::cos(px)), ops::sin(px), Scalar(1.0));
  Tensor d = ops::div(num, ops::mul(px, self));
  d = ops::masked_fill(d, cmp(kernels::BinaryOp::Eq, self, scalar(0.0)), Scalar(0.0));
  return {ops::mul(g[0], d)};
}

namespace {

// PyTorch's norm_backward: the gradient of the p-norm `norm` of `diff` over `dims` (empty: all),
// with `norm` and `grad` keeping the reduced dims as size 1; p == 0 has no gradient.
Tensor norm_grad(const Tensor& diff, const Tensor& norm, const Tensor& grad, double p, const std::vector<int64_t>& dims) {
  Tensor zero = scalar(0.0);
  if (p == 1.0) return ops::mul(ops::sign(diff), grad);
  if (std::isinf(p)) {  // shared equally by the elements that reach the max |x|
    Tensor hits = ops::to_dtype(ops::eq(ops::abs(diff), norm), diff.dtype());
    Tensor count = ops::sum(hits, dims, true, std::nullopt);
    return ops::mul(ops::mul(ops::sign(diff), hits), ops::div(grad, count));
  }
  if (p == 2.0) return ops::mul(diff, ops::masked_fill(ops::div(grad, norm), ops::eq(norm, zero), Scalar(0.0)));
  if (p < 1.0) {
    Tensor scaled = ops::masked_fill(ops::mul(ops::sign(diff), ops::pow(ops::abs(diff), Scalar(p - 1.0))),
                                     ops::eq(diff, zero), Scalar(0.0));
    return ops::mul(ops::mul(scaled, grad), ops::pow(norm, Scalar(1.0 - p)));
  }
  Tensor scaled = p < 2.0 ? ops::mul(ops::sign(diff), ops::pow(ops::abs(diff), Scalar(p - 1.0)))
                          : ops::mul(diff, ops::pow(ops::abs(diff), Scalar(p - 2.0)));
  return ops::mul(scaled, ops::masked_fill(ops::div(grad, ops::pow(norm, Scalar(p - 1.0))), ops::eq(norm, zero),
                                           Scalar(0.0)));
}

}  // namespace

tensor_list DistBackward0::apply(tensor_list&& g) {
  if (p == 0.0) return {Tensor(), Tensor()};  // PyTorch: no gradient for the 0-"norm"
  Tensor self = saved(kSelf), other = saved(kOther), norm = saved(kResult);
  Tensor diff = ops::sub(self, other, Scalar(1.0));
  Tensor gd = norm_grad(diff, norm, g[0], p, {});
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::sum_to(gd, self.sizes());
  if (needs_input_grad(1)) r[1] = ops::sum_to(ops::neg(gd), other.sizes());
  return r;
}

// Pairwise distances (..., P, R) of rows x1 (..., P, M) and x2 (..., R, M): the gradient of each
// row-difference norm, summed over the other operand's rows.
tensor_list CdistBackward0::apply(tensor_list&& g) {
  Tensor x1 = saved(kSelf), x2 = saved(kOther), result = saved(kResult);
  tensor_list r(2);
  if (p == 0.0 || x1.numel() == 0 || x2.numel() == 0) {
    if (needs_input_grad(0)) r[0] = ops::zeros(x1.sizes(), x1.dtype());
    if (needs_input_grad(1)) r[1] = ops::zeros(x2.sizes(), x2.dtype());
    return r;
  }
  Tensor diff = ops::sub(ops::unsqueeze(x1, -2), ops::unsqueeze(x2, -3), Scalar(1.0));  // (..., P, R, M)
  Tensor gd = norm_grad(diff, ops::unsqueeze(result, -1), ops::unsqueeze(g[0], -1), p, {-1});
  if (needs_input_grad(0)) r[0] = ops::sum_to(ops::sum(gd, {-2}, false, std::nullopt), x1.sizes());
  if (needs_input_grad(1)) r[1] = ops::sum_to(ops::neg(ops::sum(gd, {-3}, false, std::nullopt)), x2.sizes());
  return r;
}

// In log space, split by the sign of the gradient (PyTorch's logcumsumexp_backward):
// dx_j = sum_{i >= j} g_i exp(x_j - out_i), each sum a reversed logcumsumexp.
tensor_list LogcumsumexpBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf), result = saved(kResult), grad = g[0];
  if (self.dim() == 0 || self.numel() == 0) return {grad};
  auto reverse_lcse = [&](const Tensor& t) { return ops::flip(ops::logcumsumexp(ops::flip(t, {dim}), dim), {dim}); };
  // The lowest finite value, not -inf: -inf - (-inf) would make the double backward NaN.
  const double lowest = grad.dtype() == ScalarType::Float32 ? double(std::numeric_limits<float>::lowest())
                                                            : std::numeric_limits<double>::lowest();
  Tensor neg_inf = ops::full({}, Scalar(lowest), grad.dtype());
  Tensor log_abs = ops::log(ops::abs(grad));
  Tensor zero = scalar(0.0);
  Tensor log_pos = ops::where(cmp(kernels::BinaryOp::Gt, grad, zero), log_abs, neg_inf);
  Tensor log_neg = ops::where(cmp(kernels::BinaryOp::Lt, grad, zero), log_abs, neg_inf);
  Tensor pos = ops::exp(ops::add(reverse_lcse(ops::sub(log_pos, result, Scalar(1.0))), self, Scalar(1.0)));
  Tensor neg = ops::exp(ops::add(reverse_lcse(ops::sub(log_neg, result, Scalar(1.0))), self, Scalar(1.0)));
  return {ops::sub(pos, neg, Scalar(1.0))};
}

tensor_list BernoulliBackward0::apply(tensor_list&& g) { return {ops::zeros(self_sizes, g[0].dtype())}; }
tensor_list NormalBackward1::apply(tensor_list&& g) { return {ops::zeros(mean_sizes, g[0].dtype())}; }
tensor_list NormalBackward2::apply(tensor_list&& g) { return {ops::zeros(std_sizes, g[0].dtype())}; }
tensor_list NormalBackward3::apply(tensor_list&& g) {
  return {ops::zeros(mean_sizes, g[0].dtype()), ops::zeros(std_sizes, g[0].dtype())};
}

}  // namespace bibun
