// Backward formulas of the nn ops (ops/nn_ops.cpp), written with differentiable ops so that
// create_graph records their graph.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "kernels/nn_kernels.h"
#include "ops/nn_ops.h"
#include "ops/common.h"
#include "ops/unary_math.h"

namespace bibun {

using namespace formulas;

namespace {
constexpr int kMean = static_cast<int>(ops::Reduction::Mean);
const Scalar kOne{int64_t{1}};
}  // namespace

// PyTorch's _softmax_backward_data: y * (g - sum(g * y, dim)).
tensor_list SoftmaxBackward0::apply(tensor_list&& g) {
  Tensor y = saved(kResult);
  Tensor gy = ops::mul(g[0], y);
  std::vector<int64_t> dims;
  if (y.dim() > 0) dims.push_back(dim);
  return {ops::sub(gy, ops::mul(y, ops::sum(gy, dims, true, std::nullopt)), kOne)};
}

// PyTorch's _log_softmax_backward_data: g - exp(y) * sum(g, dim).
tensor_list LogSoftmaxBackward0::apply(tensor_list&& g) {
  Tensor y = saved(kResult);
  std::vector<int64_t> dims;
  if (y.dim() > 0) dims.push_back(dim);
  return {ops::sub(g[0], ops::mul(ops::exp(y), ops::sum(g[0], dims, true, std::nullopt)), kOne)};
}

// d loss / d input is -weight[target] (/ total_weight for mean) at the target entries, 0 elsewhere;
// that coefficient does not depend on the input, so grad * coeff is the whole formula.
tensor_list NllLossBackward0::apply(tensor_list&& g) {
  Tensor target = saved(kOther), weight = saved(kExtra);
  Tensor coeff = ops::empty(self_sizes, g[0].dtype());
  const bool batched = self_sizes.size() == 2;
  kernels::NllShape shape{batched ? self_sizes[0] : 1, self_sizes[self_sizes.size() - 1], 1};
  const double scale = reduction == kMean ? 1.0 / total_weight : 1.0;
  kernels::nll_loss_coeff(coeff, target, weight.defined() ? ops::cast_data(weight, g[0].dtype()) : weight, shape,
                          ignore_index, scale);
  Tensor grad = g[0];
  if (batched && grad.dim() == 1) grad = ops::unsqueeze(grad, 1);
  return {ops::mul(grad, coeff)};
}

tensor_list MseLossBackward0::apply(tensor_list&& g) {
  Tensor input = saved(kSelf), target = saved(kOther);
  Tensor grad = ops::mul(ops::mul(ops::sub(input, target, kOne), scalar(2.0)), g[0]);
  if (reduction == kMean) grad = ops::div(grad, scalar(static_cast<double>(grad.numel())));
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = grad;
  if (needs_input_grad(1)) r[1] = ops::neg(grad);
  return r;
}

// input: g * w * (x - t) / max(x * (1 - x), 1e-12); target: -g * w * logit(x).
tensor_list BinaryCrossEntropyBackward0::apply(tensor_list&& g) {
  Tensor input = saved(kSelf), target = saved(kOther), weight = saved(kExtra);
  Tensor grad = g[0];
  if (weight.defined()) grad = ops::mul(grad, weight);
  if (reduction == kMean) grad = ops::div(grad, scalar(static_cast<double>(input.numel())));
  tensor_list r(2);
  if (needs_input_grad(0)) {
    Tensor denom = ops::clamp(ops::mul(ops::rsub(input, scalar(1.0), kOne), input), Scalar(1e-12), std::nullopt);
    r[0] = ops::div(ops::mul(grad, ops::sub(input, target, kOne)), denom);
  }
  if (needs_input_grad(1)) r[1] = ops::neg(ops::mul(grad, ops::logit(input, std::nullopt)));
  return r;
}

tensor_list AddmmBackward0::apply(tensor_list&& g) {
  tensor_list r(3);
  if (needs_input_grad(0)) r[0] = ops::sum_to(g[0], self_sizes);
  if (needs_input_grad(1)) r[1] = ops::mm(g[0], ops::t(saved(kOther)));
  if (needs_input_grad(2)) r[2] = ops::mm(ops::t(saved(kSelf)), g[0]);
  return r;
}

}  // namespace bibun
