// Backward formulas of the elementwise ops (ops/arithmetic.cpp, ops/inplace.cpp). Written
// with bibun's differentiable ops so that create_graph records them. The engine sums a
// broadcast gradient down to its input's shape.
#include <algorithm>

#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "kernels/kernels.h"

namespace bibun {

using namespace formulas;

tensor_list AddBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = maybe_multiply(g[0], alpha);
  return r;
}

tensor_list SubBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = ops::neg(maybe_multiply(g[0], alpha));
  return r;
}

tensor_list RsubBackward1::apply(tensor_list&& g) { return {ops::neg(maybe_multiply(g[0], alpha))}; }

tensor_list MulBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mul(g[0], saved(kOther));
  if (needs_input_grad(1)) r[1] = ops::mul(g[0], saved(kSelf));
  return r;
}

tensor_list DivBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor other = saved(kOther);
  if (needs_input_grad(0)) r[0] = ops::div(g[0], other);
  if (needs_input_grad(1)) {
    Tensor self = saved(kSelf);
    // PyTorch's -grad * ((self / other) / other): exactly 0 for x / x, where self * grad / other^2 rounds.
    r[1] = ops::neg(ops::mul(g[0], ops::div(ops::div(self, other), other)));
  }
  return r;
}

tensor_list PowBackward0::apply(tensor_list&& g) {
  Tensor self = saved(kSelf);
  if (exponent.to_double() == 0.0) return {zeros_like(self)};
  Scalar e_minus_1 = exponent.is_floating() ? Scalar(exponent.to_double() - 1.0) : Scalar(exponent.to_int() - 1);
  return {ops::mul(g[0], ops::mul(scalar(exponent), ops::pow(self, e_minus_1)))};
}

namespace {
// grad * result * log(base), with 0 where base == 0 and exponent >= 0 (PyTorch's convention
// that the derivative of 0^x is 0 there instead of nan).
Tensor pow_exponent_grad(const Tensor& grad, const Tensor& base, const Tensor& exponent, const Tensor& result) {
  Tensor zero = ops::wrapped_scalar(Scalar(int64_t{0}));
  Tensor mask = ops::mul(ops::eq(base, zero), ops::compare(static_cast<int>(kernels::BinaryOp::Ge), exponent, zero));
  Tensor d = ops::mul(result, ops::log(base));
  return ops::mul(grad, ops::masked_fill(d, ops::expand(mask, d.sizes()), Scalar(0.0)));
}
}  // namespace

tensor_list PowBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), exponent = saved(kOther);
  if (needs_input_grad(0)) {
    Tensor e_minus_1 = ops::sub(exponent, scalar(1.0), Scalar(int64_t{1}));
    Tensor d = ops::mul(g[0], ops::mul(exponent, ops::pow(self, e_minus_1)));
    // exponent == 0 gives 0 even where self == 0 (0 * 0^-1 would be nan) or the incoming grad is
    // inf (masked after the product, as PyTorch's where(exponent == 0, 0, grad * ...)).
    Tensor zero_exp = ops::eq(exponent, ops::wrapped_scalar(Scalar(int64_t{0})));
    r[0] = ops::masked_fill(d, ops::expand(zero_exp, d.sizes()), Scalar(0.0));
  }
  if (needs_input_grad(1)) {
    Tensor result = saved(kResult);
    r[1] = pow_exponent_grad(g[0], ops::expand(self, result.sizes()), exponent, result);
  }
  return r;
}

tensor_list PowBackward2::apply(tensor_list&& g) {
  Tensor exponent = saved(kOther), result = saved(kResult);
  Tensor base_t = ops::full(result.sizes(), base, result.dtype());
  return {pow_exponent_grad(g[0], base_t, exponent, result)};
}

tensor_list NegBackward0::apply(tensor_list&& g) { return {ops::neg(g[0])}; }
tensor_list ExpBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], saved(kResult))}; }
tensor_list LogBackward0::apply(tensor_list&& g) { return {ops::div(g[0], saved(kSelf))}; }

tensor_list SigmoidBackward0::apply(tensor_list&& g) {
  Tensor y = saved(kResult);
  return {ops::mul(g[0], ops::mul(y, ops::rsub(y, scalar(1.0), Scalar(int64_t{1}))))};
}

tensor_list LogSigmoidBackward0::apply(tensor_list&& g) {
  return {ops::mul(g[0], ops::sigmoid(ops::neg(saved(kSelf))))};
}

tensor_list AbsBackward0::apply(tensor_list&& g) { return {ops::mul(g[0], ops::sign(saved(kSelf)))}; }
tensor_list SignBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }

tensor_list SqrtBackward0::apply(tensor_list&& g) {
  return {ops::div(g[0], ops::mul(saved(kResult), scalar(2.0)))};
}

tensor_list ReciprocalBackward0::apply(tensor_list&& g) {
  Tensor y = saved(kResult);
  return {ops::neg(ops::mul(g[0], ops::mul(y, y)))};
}

tensor_list MaskedFillBackward0::apply(tensor_list&& g) {
  return {ops::masked_fill(g[0], saved(kOther), Scalar(0.0))};
}

tensor_list ZeroBackward0::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list FillBackward2::apply(tensor_list&& g) { return {zeros_like(g[0])}; }
tensor_list CloneBackward0::apply(tensor_list&& g) { return {g[0]}; }
tensor_list ToCopyBackward0::apply(tensor_list&& g) { return {ops::to_dtype(g[0], self_dtype)}; }

}  // namespace bibun
