// Backward formulas of the activations and where (ops/activation.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "autograd/formulas/piecewise_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/nn_ops.h"
#include "ops/unary_math.h"

namespace bibun {

using namespace formulas;

namespace {
Tensor compare(kernels::BinaryOp op, const Tensor& a, double v) {
  return ops::compare(static_cast<int>(op), a, scalar(v));
}
}  // namespace

tensor_list ReluBackward0::apply(tensor_list&& g) {
  // create_graph: threshold_backward recorded (Note [Double backward of piecewise-linear ops]).
  if (GradMode::is_enabled()) return {piecewise_backward(g[0], saved(kResult), {PiecewiseKind::Threshold, 0.0})};
  return {ops::masked_fill(g[0], compare(kernels::BinaryOp::Le, saved(kResult), 0.0), Scalar(0.0))};
}

tensor_list CeluBackward0::apply(tensor_list&& g) {
  // d/dx celu = 1 for x > 0, exp(x / alpha) otherwise: elu's with scale 1, input_scale 1 / alpha.
  const double a = alpha.to_double();
  return {scaled_backward(g[0], saved(kSelf), {ScaledKind::Elu, a, 1.0, 1.0 / a})};
}

tensor_list WhereBackward0::apply(tensor_list&& g) {
  Tensor cond = ops::expand(saved(kExtra), g[0].sizes());
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::masked_fill(g[0], ops::eq(cond, ops::wrapped_scalar(Scalar(false))), Scalar(0.0));
  if (needs_input_grad(1)) r[1] = ops::masked_fill(g[0], cond, Scalar(0.0));
  return r;
}

}  // namespace bibun

// ---- nn.functional activations (nodes in nn_ops_nodes.h) ----------------------------------------

namespace bibun {

using namespace formulas;

namespace {
const Scalar kOne1{int64_t{1}};

// softplus(x) = -log_sigmoid(-x), differentiable and stable.
Tensor softplus_of(const Tensor& x) { return ops::neg(ops::log_sigmoid(ops::neg(x))); }
}  // namespace

tensor_list LeakyReluBackward0::apply(tensor_list&& g) {
  return {piecewise_backward(g[0], saved(kSelf), {PiecewiseKind::LeakyRelu, negative_slope})};
}

tensor_list LeakyReluBackward1::apply(tensor_list&& g) {
  BIBUN_CHECK(negative_slope > 0.0,
              "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
              "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
              "version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting "
              "in-place leakRelu backward calculation with negative slope");
  return {piecewise_backward(g[0], saved(kResult), {PiecewiseKind::LeakyRelu, negative_slope})};
}

// x > 0: g * scale; else g * input_scale * alpha * scale * exp(x * input_scale).
tensor_list EluBackward0::apply(tensor_list&& g) {
  return {scaled_backward(g[0], saved(kSelf), {ScaledKind::Elu, alpha, scale, input_scale})};
}

// From the result y: y > 0: g * scale; else g * input_scale * (y + alpha * scale).
tensor_list EluBackward1::apply(tensor_list&& g) {
  BIBUN_CHECK(alpha >= 0.0,
              "In-place elu backward calculation is triggered with a negative slope which is not supported. This is "
              "caused by calling in-place forward function with a negative slope, please call out-of-place version "
              "instead.");
  return {scaled_backward(g[0], saved(kResult), {ScaledKind::EluResult, alpha, scale, input_scale})};
}

tensor_list CeluBackward1::apply(tensor_list&& g) {
  return {scaled_backward(g[0], saved(kResult), {ScaledKind::EluResult, alpha, 1.0, 1.0 / alpha})};
}

tensor_list GeluBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  if (!tanh_approx) {
    // Phi(x) + x * phi(x)
    Tensor cdf = ops::mul(ops::add(ops::erf(ops::mul(x, scalar(0.70710678118654752440))), scalar(1.0), kOne1), scalar(0.5));
    Tensor pdf = ops::mul(ops::exp(ops::mul(ops::mul(x, x), scalar(-0.5))), scalar(1.12837916709551257390 * 0.70710678118654752440 * 0.5));
    return {ops::mul(g[0], ops::add(cdf, ops::mul(x, pdf), kOne1))};
  }
  const double beta = 1.41421356237309504880 * 1.12837916709551257390 * 0.5, kappa = 0.044715;
  Tensor x2 = ops::mul(x, x);
  Tensor inner = ops::mul(ops::add(x, ops::mul(ops::mul(x2, x), scalar(kappa)), kOne1), scalar(beta));
  Tensor t = ops::tanh(inner);
  Tensor left_d = ops::mul(ops::add(t, scalar(1.0), kOne1), scalar(0.5));
  Tensor inner_d = ops::mul(ops::add(ops::mul(x2, scalar(3.0 * kappa)), scalar(1.0), kOne1), scalar(beta));
  Tensor right_d = ops::mul(ops::mul(ops::mul(x, scalar(0.5)), ops::rsub(ops::mul(t, t), scalar(1.0), kOne1)), inner_d);
  return {ops::mul(g[0], ops::add(left_d, right_d, kOne1))};
}

// s * (1 + x * (1 - s)), s = sigmoid(x).
tensor_list SiluBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  Tensor s = ops::sigmoid(x);
  Tensor d = ops::mul(s, ops::add(ops::mul(x, ops::rsub(s, scalar(1.0), kOne1)), scalar(1.0), kOne1));
  return {ops::mul(g[0], d)};
}

// tanh(sp) + x * sigmoid(x) * (1 - tanh(sp)^2), sp = softplus(x).
tensor_list MishBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  Tensor t = ops::tanh(softplus_of(x));
  Tensor d = ops::add(t, ops::mul(ops::mul(x, ops::sigmoid(x)), ops::rsub(ops::mul(t, t), scalar(1.0), kOne1)), kOne1);
  return {ops::mul(g[0], d)};
}

tensor_list SoftplusBackward0::apply(tensor_list&& g) {
  ScaledParams p{ScaledKind::Softplus};
  p.beta = beta, p.threshold = threshold;
  return {scaled_backward(g[0], saved(kSelf), p)};
}

tensor_list HardtanhBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);  // hardtanh_ saves its result instead: the masks are the same
  if (!x.defined()) x = saved(kResult);
  return {piecewise_backward(g[0], x, {PiecewiseKind::Hardtanh, min_val, max_val})};
}

tensor_list HardsigmoidBackward0::apply(tensor_list&& g) { return {hardsigmoid_backward(g[0], saved(kSelf))}; }

// x <= -3: 0; -3 < x < 3: g * (x / 3 + 0.5); else g (PyTorch's pieces, kinks included).
tensor_list HardswishBackward0::apply(tensor_list&& g) {
  return {scaled_backward(g[0], saved(kSelf), {ScaledKind::Hardswish})};
}

tensor_list ThresholdBackward0::apply(tensor_list&& g) {
  return {piecewise_backward(g[0], saved(kSelf), {PiecewiseKind::Threshold, threshold})};
}

tensor_list ThresholdBackward1::apply(tensor_list&& g) {
  return {piecewise_backward(g[0], saved(kSelf), {PiecewiseKind::Threshold, threshold})};
}

// out = a * sigmoid(b): grad_a = g * sigmoid(b), grad_b = g * a * sigmoid(b) * (1 - sigmoid(b)).
tensor_list GluBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  const int64_t n = x.sizes()[dim];
  Tensor a = ops::slice(x, dim, 0, n / 2, 1), b = ops::slice(x, dim, n / 2, n, 1);
  Tensor s = ops::sigmoid(b);
  Tensor ga = ops::mul(g[0], s);
  Tensor gb = ops::mul(ops::mul(ga, a), ops::rsub(s, scalar(1.0), kOne1));
  return {ops::cat({ga, gb}, dim)};
}

tensor_list PreluKernelBackward0::apply(tensor_list&& g) {
  return prelu_kernel_backward(g[0], saved(kSelf), saved(kOther), needs_input_grad(0), needs_input_grad(1));
}

}  // namespace bibun
