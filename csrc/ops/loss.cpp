// Loss functions of torch.nn.functional that live in the core.
#include "autograd/formulas/nn_ops_nodes.h"
#include "ops/common.h"
#include "ops/nn_ops.h"

namespace bibun::ops {

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  BIBUN_CHECK_T(ValueError, input.sizes() == target.sizes(), "Target size (", size_str(target.sizes()),
                ") must be the same as input size (", size_str(input.sizes()), ")");
  ScalarType dtype = input.dtype();
  BIBUN_CHECK_T(NotImplementedError, is_floating(dtype), "\"log_sigmoid_cpu\" not implemented for '", c_type_name(dtype), "'");
  Tensor pw = pos_weight.defined() ? cast_data(pos_weight, dtype) : Tensor();
  Tensor loss = empty(input.sizes(), dtype);
  if (pw.defined()) kernels::broadcast_shapes(input.sizes(), pw.sizes());
  kernels::bce_with_logits(loss, input, cast_data(target, dtype), pw);
  if (weight.defined()) {
    DimVector shape = kernels::broadcast_shapes(loss.sizes(), weight.sizes());
    Tensor weighted = empty(shape, dtype);
    kernels::binary(kernels::BinaryOp::Mul, weighted, loss, cast_data(weight, dtype));
    loss = weighted;
  }
  Tensor out = loss;
  if (reduction != Reduction::None) {
    AutoGradMode no_grad(false);
    out = reduction == Reduction::Mean ? mean(loss, {}, false, std::nullopt) : sum(loss, {}, false, std::nullopt);
  }
  if (auto node = make_node<BinaryCrossEntropyWithLogitsBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->save(kSelf, input);
    node->save(kOther, target);
    node->save(kResult, weight);
    node->save(kExtra, pos_weight);
    set_history(out, node);
  }
  return out;
}

namespace {

// (input - target) in their promoted dtype (broadcast), computed without recording.
Tensor loss_diff(const Tensor& input, const Tensor& target, const char* kernel) {
  ScalarType dtype = result_type(input, target);
  BIBUN_CHECK_T(NotImplementedError, is_floating(dtype), "\"", kernel, "\" not implemented for '", c_type_name(dtype),
                "'");
  AutoGradMode no_grad(false);
  return sub(cast_data(input, dtype), cast_data(target, dtype), Scalar(int64_t{1}));
}

Tensor reduce_loss(const Tensor& loss, Reduction reduction) {
  if (reduction == Reduction::None) return loss;
  AutoGradMode no_grad(false);
  return reduction == Reduction::Mean ? mean(loss, {}, false, std::nullopt) : sum(loss, {}, false, std::nullopt);
}

// |d| < cut ? 0.5 * d^2 * quad : lin * (|d| - 0.5 * cut)
Tensor piecewise_loss(const Tensor& d, double cut, double quad, double lin) {
  AutoGradMode no_grad(false);
  Tensor ad = abs(d);
  Tensor small = compare(static_cast<int>(kernels::BinaryOp::Lt), ad, wrapped_scalar(Scalar(cut)));
  Tensor q = mul(mul(d, d), wrapped_scalar(Scalar(0.5 * quad)));
  Tensor l = mul(sub(ad, wrapped_scalar(Scalar(0.5 * cut)), Scalar(int64_t{1})), wrapped_scalar(Scalar(lin)));
  return where(small, q, l);
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  BIBUN_CHECK(beta >= 0, "smooth_l1_loss does not support negative values for beta.");
  Tensor d = loss_diff(input, target, "smooth_l1_cpu");
  Tensor out = reduce_loss(piecewise_loss(d, beta, 1.0 / beta, 1.0), reduction);
  if (auto node = make_node<SmoothL1LossBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->beta = beta;
    node->save(kSelf, input);
    node->save(kOther, target);
    set_history(out, node);
  }
  return out;
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  BIBUN_CHECK(delta > 0, "huber_loss does not support non-positive values for delta.");
  Tensor d = loss_diff(input, target, "huber_cpu");
  Tensor out = reduce_loss(piecewise_loss(d, delta, 1.0, delta), reduction);
  if (auto node = make_node<HuberLossBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->delta = delta;
    node->save(kSelf, input);
    node->save(kOther, target);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
