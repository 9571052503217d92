// Backward formulas of the losses (ops/loss.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "autograd/formulas/nodes.h"
#include "kernels/kernels.h"

namespace bibun {

using namespace formulas;

// Saved: kSelf = input, kOther = target, kResult = weight, kExtra = pos_weight.
tensor_list BinaryCrossEntropyWithLogitsBackward0::apply(tensor_list&& g) {
  Tensor input = saved(kSelf), target = saved(kOther), weight = saved(kResult), pos_weight = saved(kExtra);
  Tensor grad = g[0];
  if (weight.defined()) grad = ops::mul(grad, weight);
  if (reduction == static_cast<int>(ops::Reduction::Mean))
    grad = ops::div(grad, scalar(static_cast<double>(input.numel())));
  tensor_list r(2);
  Tensor one = scalar(1.0);
  if (needs_input_grad(0)) {
    Tensor s = ops::sigmoid(input);
    Tensor d;
    if (pos_weight.defined()) {
      // (pw * t + 1 - t) * sigmoid(x) - pw * t
      Tensor pwt = ops::mul(pos_weight, target);
      d = ops::sub(ops::mul(ops::sub(ops::add(pwt, one, Scalar(int64_t{1})), target, Scalar(int64_t{1})), s), pwt,
                   Scalar(int64_t{1}));
    } else {
      d = ops::sub(s, target, Scalar(int64_t{1}));
    }
    r[0] = ops::mul(d, grad);
  }
  if (needs_input_grad(1)) {
    // d loss / d target = -x - (pw - 1) * log_sigmoid(x)
    Tensor d = ops::neg(input);
    if (pos_weight.defined()) {
      Tensor pw_minus_1 = ops::sub(pos_weight, one, Scalar(int64_t{1}));
      d = ops::sub(d, ops::mul(pw_minus_1, ops::log_sigmoid(input)), Scalar(int64_t{1}));
    }
    r[1] = ops::mul(d, grad);
  }
  return r;
}

namespace {

// grad * clamp(d / cut, -1, 1) * scale for each input, summed back to the input shapes.
tensor_list piecewise_loss_backward(FormulaNode& node, const Tensor& input, const Tensor& target, const Tensor& g,
                                    int reduction, double cut, double scale) {
  Tensor d = ops::sub(input, target, Scalar(int64_t{1}));
  Tensor inside = ops::compare(static_cast<int>(kernels::BinaryOp::Lt), ops::abs(d), scalar(cut));
  Tensor slope = ops::where(inside, ops::mul(d, scalar(scale / cut)), ops::mul(ops::sign(d), scalar(scale)));
  Tensor grad = ops::mul(slope, g);
  if (reduction == static_cast<int>(ops::Reduction::Mean)) grad = ops::div(grad, scalar(static_cast<double>(d.numel())));
  tensor_list r(2);
  if (node.needs_input_grad(0)) r[0] = ops::sum_to(grad, input.sizes());
  if (node.needs_input_grad(1)) r[1] = ops::sum_to(ops::neg(grad), target.sizes());
  return r;
}

}  // namespace

tensor_list SmoothL1LossBackward0::apply(tensor_list&& g) {
  return piecewise_loss_backward(*this, saved(kSelf), saved(kOther), g[0], reduction, beta, 1.0);
}

tensor_list HuberLossBackward0::apply(tensor_list&& g) {
  return piecewise_loss_backward(*this, saved(kSelf), saved(kOther), g[0], reduction, delta, delta);
}

}  // namespace bibun
