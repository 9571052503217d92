// Backward formulas of the activations and where (ops/activation.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "kernels/kernels.h"

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
