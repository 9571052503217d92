// Backward formulas of the activations and where (ops/activation.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "autograd/formulas/nn_ops_nodes.h"
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
  return {ops::masked_fill(g[0], compare(kernels::BinaryOp::Le, saved(kResult), 0.0), Scalar(0.0))};
}

tensor_list CeluBackward0::apply(tensor_list&& g) {
  // d/dx celu = 1 for x > 0, exp(x / alpha) otherwise.
  Tensor x = saved(kSelf);
  Tensor negative_part = ops::mul(g[0], ops::exp(ops::div(x, scalar(alpha))));
  return {ops::where(compare(kernels::BinaryOp::Gt, x, 0.0), g[0], negative_part)};
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
Tensor cmp(kernels::BinaryOp op, const Tensor& a, double v) { return ops::compare(static_cast<int>(op), a, scalar(v)); }
const Scalar kOne1{int64_t{1}};

Tensor leaky_grad(const Tensor& g, const Tensor& x, double slope) {
  return ops::where(cmp(kernels::BinaryOp::Gt, x, 0.0), g, ops::mul(g, scalar(slope)));
}

// softplus(x) = -log_sigmoid(-x), differentiable and stable.
Tensor softplus_of(const Tensor& x) { return ops::neg(ops::log_sigmoid(ops::neg(x))); }
}  // namespace

tensor_list LeakyReluBackward0::apply(tensor_list&& g) { return {leaky_grad(g[0], saved(kSelf), negative_slope)}; }

tensor_list LeakyReluBackward1::apply(tensor_list&& g) {
  BIBUN_CHECK(negative_slope > 0.0,
              "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. "
              "This is caused by calling in-place forward function with a negative slope, please call out-of-place "
              "version instead. File an issue at https://github.com/pytorch/pytorch if you do require supporting "
              "in-place leakRelu backward calculation with negative slope");
  return {leaky_grad(g[0], saved(kResult), negative_slope)};
}

// x > 0: g * scale; else g * input_scale * alpha * scale * exp(x * input_scale).
tensor_list EluBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  Tensor neg = ops::mul(g[0], ops::mul(ops::exp(ops::mul(x, scalar(input_scale))), scalar(input_scale * alpha * scale)));
  return {ops::where(cmp(kernels::BinaryOp::Gt, x, 0.0), maybe_multiply(g[0], Scalar(scale)), neg)};
}

// From the result y: y > 0: g * scale; else g * input_scale * (y + alpha * scale).
tensor_list EluBackward1::apply(tensor_list&& g) {
  BIBUN_CHECK(alpha >= 0.0,
              "In-place elu backward calculation is triggered with a negative slope which is not supported. This is "
              "caused by calling in-place forward function with a negative slope, please call out-of-place version "
              "instead.");
  Tensor y = saved(kResult);
  Tensor neg = ops::mul(g[0], ops::mul(ops::add(y, scalar(alpha * scale), kOne1), scalar(input_scale)));
  return {ops::where(cmp(kernels::BinaryOp::Gt, y, 0.0), maybe_multiply(g[0], Scalar(scale)), neg)};
}

tensor_list CeluBackward1::apply(tensor_list&& g) {
  Tensor y = saved(kResult);
  Tensor neg = ops::mul(g[0], ops::mul(ops::add(y, scalar(alpha), kOne1), scalar(1.0 / alpha)));
  return {ops::where(cmp(kernels::BinaryOp::Gt, y, 0.0), g[0], neg)};
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
  Tensor z = ops::mul(saved(kSelf), scalar(beta));
  return {ops::where(cmp(kernels::BinaryOp::Gt, z, threshold), g[0], ops::mul(g[0], ops::sigmoid(z)))};
}

tensor_list HardtanhBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);  // hardtanh_ saves its result instead: the masks are the same
  if (!x.defined()) x = saved(kResult);
  Tensor r = ops::masked_fill(g[0], cmp(kernels::BinaryOp::Le, x, min_val), Scalar(0.0));
  return {ops::masked_fill(r, cmp(kernels::BinaryOp::Ge, x, max_val), Scalar(0.0))};
}

tensor_list HardsigmoidBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  Tensor r = ops::div(g[0], scalar(6.0));
  r = ops::masked_fill(r, cmp(kernels::BinaryOp::Le, x, -3.0), Scalar(0.0));
  return {ops::masked_fill(r, cmp(kernels::BinaryOp::Ge, x, 3.0), Scalar(0.0))};
}

// x < -3: 0; x <= 3: g * (x / 3 + 0.5); else g.
tensor_list HardswishBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  Tensor mid = ops::mul(g[0], ops::add(ops::div(x, scalar(3.0)), scalar(0.5), kOne1));
  Tensor r = ops::where(cmp(kernels::BinaryOp::Le, x, 3.0), mid, g[0]);
  return {ops::masked_fill(r, cmp(kernels::BinaryOp::Lt, x, -3.0), Scalar(0.0))};
}

tensor_list ThresholdBackward0::apply(tensor_list&& g) {
  return {ops::masked_fill(g[0], cmp(kernels::BinaryOp::Le, saved(kSelf), threshold), Scalar(0.0))};
}

tensor_list ThresholdBackward1::apply(tensor_list&& g) {
  return {ops::masked_fill(g[0], cmp(kernels::BinaryOp::Le, saved(kResult), threshold), Scalar(0.0))};
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
  Tensor x = saved(kSelf), weight = saved(kOther);
  Tensor positive = cmp(kernels::BinaryOp::Gt, x, 0.0);
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::where(positive, g[0], ops::mul(ops::prelu_weight_view(weight, x.dim()), g[0]));
  if (needs_input_grad(1)) {
    Tensor gw = ops::where(positive, zeros_like(g[0]), ops::mul(x, g[0]));
    Tensor wv = ops::prelu_weight_view(weight, x.dim());
    r[1] = ops::reshape(ops::sum_to(gw, wv.sizes()), weight.sizes());
  }
  return r;
}

}  // namespace bibun
