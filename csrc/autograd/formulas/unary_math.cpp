// Backward formulas of the unary math ops (ops/unary_math.cpp), as PyTorch's derivatives.yaml
// states them, written with differentiable ops so that create_graph records them.
#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/unary_math_nodes.h"
#include "kernels/kernels.h"
#include "kernels/unary_math.h"
#include "ops/unary_math.h"

namespace bibun {

using namespace formulas;
using kernels::BinaryOp;

namespace {

const Scalar kOne(int64_t{1});

Tensor one_minus(const Tensor& t) { return ops::rsub(t, scalar(1.0), kOne); }
Tensor one_plus(const Tensor& t) { return ops::add(t, scalar(1.0), kOne); }
Tensor squared(const Tensor& t) { return ops::mul(t, t); }
Tensor cmp(BinaryOp op, const Tensor& a, const Tensor& b) { return ops::compare(static_cast<int>(op), a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return ops::mul(a, b); }  // bool * bool
Tensor logical_or(const Tensor& a, const Tensor& b) { return ops::add(a, b, kOne); }  // bool + bool
// grad where `mask` holds, else 0 (PyTorch's where(mask, grad, 0)).
Tensor grad_where(const Tensor& mask, const Tensor& grad) { return ops::where(mask, grad, scalar(0.0)); }

}  // namespace

tensor_list Exp2Backward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::mul(saved(kResult), scalar(std::numbers::ln2)))};
}
tensor_list Expm1Backward0::apply(tensor_list&& g) { return {ops::mul(g[0], one_plus(saved(kResult)))}; }
tensor_list Log2Backward0::apply(tensor_list&& g) {
  return {ops::div(g[0], ops::mul(saved(kSelf), scalar(std::numbers::ln2)))};
}
tensor_list Log10Backward0::apply(tensor_list&& g) {
  return {ops::div(g[0], ops::mul(saved(kSelf), scalar(std::numbers::ln10)))};
}
tensor_list Log1PBackward0::apply(tensor_list&& g) { return {ops::div(g[0], one_plus(saved(kSelf)))}; }
tensor_list RsqrtBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::mul(ops::pow(saved(kResult), Scalar(int64_t{3})), scalar(-0.5)))};
}
tensor_list SinBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], ops::cos(saved(kSelf)))}; }
tensor_list CosBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], ops::neg(ops::sin(saved(kSelf))))}; }
tensor_list TanBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], one_plus(squared(saved(kResult))))}; }
tensor_list AsinBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::rsqrt(one_minus(squared(saved(kSelf)))))};
}
tensor_list AcosBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::neg(ops::rsqrt(one_minus(squared(saved(kSelf))))))};
}
tensor_list AtanBackward0::apply(tensor_list&& g) { return {ops::div(g[0], one_plus(squared(saved(kSelf))))}; }
tensor_list SinhBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], ops::cosh(saved(kSelf)))}; }
tensor_list CoshBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], ops::sinh(saved(kSelf)))}; }
tensor_list TanhBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], one_minus(squared(saved(kResult))))}; }
tensor_list AsinhBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::rsqrt(one_plus(squared(saved(kSelf)))))};
}
tensor_list AcoshBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::rsqrt(ops::sub(squared(saved(kSelf)), scalar(1.0), kOne)))};
}
tensor_list AtanhBackward0::apply(tensor_list&& g) { return {ops::div(g[0], one_minus(squared(saved(kSelf))))}; }
tensor_list AsinhBackward1::apply(tensor_list&&) {
  throw NotImplementedError("the derivative for 'inplace version of asinh' is not implemented.");
}
tensor_list AcoshBackward1::apply(tensor_list&&) {
  throw NotImplementedError("the derivative for 'inplace version of acosh' is not implemented.");
}
tensor_list AtanhBackward1::apply(tensor_list&&) {
  throw NotImplementedError("the derivative for 'inplace version of atanh' is not implemented.");
}

tensor_list ErfBackward0::apply(tensor_list&& g) {
  Tensor d = ops::mul(ops::exp(ops::neg(squared(saved(kSelf)))), scalar(std::numbers::inv_sqrtpi * 2.0));
  return {ops::mul(g[0], d)};
}
tensor_list ErfcBackward0::apply(tensor_list&& g) {
  Tensor d = ops::mul(ops::exp(ops::neg(squared(saved(kSelf)))), scalar(-std::numbers::inv_sqrtpi * 2.0));
  return {ops::mul(g[0], d)};
}
tensor_list ErfinvBackward0::apply(tensor_list&& g) {
  Tensor d = ops::mul(ops::exp(squared(saved(kResult))), scalar(std::sqrt(std::numbers::pi) * 0.5));
  return {ops::mul(g[0], d)};
}

// Piecewise constant: zero gradient everywhere (PyTorch's convention at the jumps too).
tensor_list FloorBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list CeilBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list RoundBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list RoundBackward1::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list TruncBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list FracBackward0::apply(tensor_list&& g) { return {g[0]}; }

// grad / (x (1 - x)); outside [0, 1] NaN (no eps) or, with eps, 0 outside [eps, 1 - eps].
tensor_list LogitBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor d = ops::div(g[0], ops::mul(self, one_minus(self)));
  const double lo = eps ? *eps : 0.0, hi = eps ? 1.0 - *eps : 1.0;
  Tensor outside = logical_or(cmp(BinaryOp::Lt, self, scalar(lo)), cmp(BinaryOp::Gt, self, scalar(hi)));
  Scalar fill = eps ? Scalar(0.0) : Scalar(std::numeric_limits<double>::quiet_NaN());
  return {ops::masked_fill(d, ops::expand(outside, d.sizes()), fill)};
}

// The bound's subgradient is 1 at the bounds themselves (self == min passes the gradient).
tensor_list ClampBackward1::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor mask;
  if (min) mask = cmp(BinaryOp::Ge, self, scalar(*min));
  if (max) {
    Tensor le = cmp(BinaryOp::Le, self, scalar(*max));
    mask = mask.defined() ? logical_and(mask, le) : le;
  }
  return {grad_where(mask, g[0])};
}

// PyTorch's clamp_backward and clamp_backward_min_max: where min > max, max wins and min
// gets no gradient.
tensor_list ClampBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  Tensor self = saved(kSelf), min = saved(kOther), max = saved(kExtra);
  const bool both = min.defined() && max.defined();
  if (needs_input_grad(0)) {
    Tensor mask;
    if (min.defined()) mask = cmp(BinaryOp::Ge, self, min);
    if (max.defined()) {
      Tensor le = cmp(BinaryOp::Le, self, max);
      mask = mask.defined() ? logical_and(mask, le) : le;
    }
    r[0] = grad_where(mask, g[0]);
  }
  if (needs_input_grad(1)) {
    Tensor mask = cmp(BinaryOp::Lt, self, min);
    if (both) mask = logical_and(mask, cmp(BinaryOp::Lt, min, max));
    r[1] = grad_where(mask, g[0]);
  }
  if (needs_input_grad(2)) {
    Tensor mask = cmp(BinaryOp::Gt, self, max);
    if (both) mask = logical_or(mask, cmp(BinaryOp::Lt, max, min));
    r[2] = grad_where(mask, g[0]);
  }
  return r;
}

tensor_list NanToNumBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  Tensor finite = ops::empty(self.sizes(), ScalarType::Bool);
  kernels::isfinite(finite, self);
  return {ops::mul(g[0], finite)};
}

}  // namespace bibun
