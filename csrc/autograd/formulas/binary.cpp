// Backward formulas of the binary elementwise family (ops/binary.cpp), written with bibun's
// differentiable ops so that create_graph records them. Gradients have the broadcast output
// shape; the engine sums them down to each input's shape and casts to its dtype.
#include "autograd/formulas/binary_nodes.h"
#include "autograd/formulas/helpers.h"
#include "kernels/binary_kernels.h"
#include "kernels/kernels.h"
#include "ops/binary.h"

namespace bibun {

using namespace formulas;
using kernels::BinaryOp;

namespace {

Tensor cmp(BinaryOp op, const Tensor& a, const Tensor& b) { return ops::compare(static_cast<int>(op), a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return ops::logical(static_cast<int>(kernels::BinaryMathOp::LogicalOr), a, b);
}
Tensor isnan(const Tensor& a) { return ops::predicate(static_cast<int>(kernels::PredicateOp::IsNan), a); }
// g with zeros where mask holds (mask broadcasts to g's shape).
Tensor zero_where(const Tensor& g, const Tensor& mask) {
  return ops::masked_fill(g, ops::expand(mask, g.sizes()), Scalar(0.0));
}
Tensor zero_grad(const Tensor& g) { return zeros_like(g); }

// grad * self.div(other, rounding_mode), negated: the gradient of other in remainder/fmod.
Tensor remainder_other_grad(const Tensor& g, const Tensor& self, const Tensor& other, ops::RoundingMode mode) {
  return ops::neg(ops::mul(g, ops::div(self, other, mode)));
}

// maximum/minimum: ties split the gradient in half; `lose` is where self loses to other.
tensor_list max_min_grads(FormulaNode& node, const Tensor& g, const Tensor& self, const Tensor& other, BinaryOp lose,
                          BinaryOp win) {
  tensor_list r(2);
  Tensor shared = ops::where(cmp(BinaryOp::Eq, self, other), ops::div(g, scalar(2.0)), g);
  if (node.needs_input_grad(0)) r[0] = zero_where(shared, cmp(lose, self, other));
  if (node.needs_input_grad(1)) r[1] = zero_where(shared, cmp(win, self, other));
  return r;
}

// fmax/fmin: the gradient goes to self where self wins or ties, or other is NaN.
tensor_list fmax_fmin_grads(FormulaNode& node, const Tensor& g, const Tensor& self, const Tensor& other,
                            BinaryOp self_wins) {
  tensor_list r(2);
  Tensor to_self = logical_or(cmp(self_wins, self, other), isnan(other));
  if (node.needs_input_grad(0)) r[0] = zero_where(g, ops::logical_not(to_self));
  if (node.needs_input_grad(1)) r[1] = zero_where(g, to_self);
  return r;
}

Tensor xlogy_self_grad(const Tensor& g, const Tensor& self, const Tensor& other) {
  Tensor zero = ops::wrapped_scalar(Scalar(int64_t{0}));
  Tensor mask = ops::logical(static_cast<int>(kernels::BinaryMathOp::LogicalAnd), cmp(BinaryOp::Eq, self, zero),
                             cmp(BinaryOp::Le, other, zero));
  return zero_where(ops::xlogy(g, other), mask);
}

}  // namespace

tensor_list DivBackward1::apply(tensor_list&& g) { return {ops::div_scalar(g[0], other)}; }

tensor_list DivBackward2::apply(tensor_list&& g) {
  tensor_list r(2);
  if (true_division) {
    Tensor other = saved(kOther);
    if (needs_input_grad(0)) r[0] = ops::div(g[0], other);
    if (needs_input_grad(1)) r[1] = ops::neg(ops::div(ops::mul(g[0], saved(kSelf)), ops::mul(other, other)));
    return r;
  }
  if (needs_input_grad(0)) r[0] = zero_grad(g[0]);
  if (needs_input_grad(1)) r[1] = zero_grad(g[0]);
  return r;
}

tensor_list RemainderBackward0::apply(tensor_list&& g) { return {g[0]}; }
tensor_list FmodBackward0::apply(tensor_list&& g) { return {g[0]}; }

tensor_list RemainderBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = remainder_other_grad(g[0], saved(kSelf), saved(kOther), ops::RoundingMode::Floor);
  return r;
}

tensor_list FmodBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = remainder_other_grad(g[0], saved(kSelf), saved(kOther), ops::RoundingMode::Trunc);
  return r;
}

tensor_list Atan2Backward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), other = saved(kOther);
  Tensor recip = ops::reciprocal(ops::add(ops::mul(self, self), ops::mul(other, other), Scalar(int64_t{1})));
  // At the origin the gradient is 0, not nan (as PyTorch).
  recip = ops::masked_fill(recip, ops::predicate(static_cast<int>(kernels::PredicateOp::IsInf), recip), Scalar(0.0));
  if (needs_input_grad(0)) r[0] = ops::mul(ops::mul(g[0], other), recip);
  if (needs_input_grad(1)) r[1] = ops::mul(ops::mul(g[0], ops::neg(self)), recip);
  return r;
}

tensor_list MaximumBackward0::apply(tensor_list&& g) {
  return max_min_grads(*this, g[0], saved(kSelf), saved(kOther), BinaryOp::Lt, BinaryOp::Gt);
}
tensor_list MinimumBackward0::apply(tensor_list&& g) {
  return max_min_grads(*this, g[0], saved(kSelf), saved(kOther), BinaryOp::Gt, BinaryOp::Lt);
}
tensor_list FmaxBackward0::apply(tensor_list&& g) {
  return fmax_fmin_grads(*this, g[0], saved(kSelf), saved(kOther), BinaryOp::Ge);
}
tensor_list FminBackward0::apply(tensor_list&& g) {
  return fmax_fmin_grads(*this, g[0], saved(kSelf), saved(kOther), BinaryOp::Le);
}

tensor_list HypotBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor result = saved(kResult);
  if (needs_input_grad(0)) r[0] = ops::div(ops::mul(g[0], saved(kSelf)), result);
  if (needs_input_grad(1)) r[1] = ops::div(ops::mul(g[0], saved(kOther)), result);
  return r;
}

tensor_list XlogyBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor self = saved(kSelf), other = saved(kOther);
  if (needs_input_grad(0)) r[0] = xlogy_self_grad(g[0], self, other);
  if (needs_input_grad(1)) r[1] = ops::div(ops::mul(g[0], self), other);
  return r;
}
tensor_list XlogyBackward1::apply(tensor_list&& g) {
  return {ops::div(ops::mul(g[0], saved(kSelf)), saved(kOther))};
}
tensor_list XlogyBackward2::apply(tensor_list&& g) { return {xlogy_self_grad(g[0], saved(kSelf), saved(kOther))}; }

tensor_list LerpBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = maybe_multiply(g[0], Scalar(1.0 - weight.to_double()));
  if (needs_input_grad(1)) r[1] = maybe_multiply(g[0], weight);
  return r;
}

tensor_list LerpBackward1::apply(tensor_list&& g) {
  tensor_list r(3);
  Tensor weight = saved(kExtra);
  if (needs_input_grad(0)) r[0] = ops::mul(g[0], ops::rsub(weight, scalar(1.0), Scalar(int64_t{1})));
  if (needs_input_grad(1)) r[1] = ops::mul(g[0], weight);
  if (needs_input_grad(2)) r[2] = ops::mul(g[0], ops::sub(saved(kOther), saved(kSelf), Scalar(int64_t{1})));
  return r;
}

tensor_list AddcmulBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = maybe_multiply(ops::mul(g[0], saved(kOther)), value);
  if (needs_input_grad(2)) r[2] = maybe_multiply(ops::mul(g[0], saved(kSelf)), value);
  return r;
}

tensor_list AddcdivBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  Tensor t2 = saved(kOther);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = ops::div(maybe_multiply(g[0], value), t2);
  if (needs_input_grad(2)) {
    Tensor t1 = saved(kSelf);
    r[2] = ops::neg(ops::div(ops::mul(maybe_multiply(g[0], value), t1), ops::mul(t2, t2)));
  }
  return r;
}

tensor_list ZeroGradBackward::apply(tensor_list&& g) {
  tensor_list r(next_edges().size());
  for (size_t i = 0; i < r.size(); ++i)
    if (needs_input_grad(i)) r[i] = zero_grad(g[0]);
  return r;
}

tensor_list NotImplementedBackward::apply(tensor_list&&) {
  throw Error(detail::str_cat("derivative for aten::", op, " is not implemented"));
}

}  // namespace bibun
