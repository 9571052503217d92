// Backward formulas of the losses (ops/loss.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"

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

}  // namespace bibun
