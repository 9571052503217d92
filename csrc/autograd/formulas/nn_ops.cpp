// Backward formulas of the nn ops (ops/nn_ops.cpp), written with differentiable ops so that
// create_graph records their graph.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "autograd/formulas/piecewise_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/nn_kernels.h"
#include "ops/nn_ops.h"
#include "ops/common.h"
#include "ops/shape.h"
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
  const bool batched = self_sizes.size() >= 2;
  kernels::NllShape shape = ops::nll_shape(self_sizes);
  const double scale = reduction == kMean ? 1.0 / total_weight : 1.0;
  kernels::nll_loss_coeff(coeff, target, weight.defined() ? ops::cast_data(weight, g[0].dtype()) : weight, shape,
                          ignore_index, scale);
  Tensor grad = g[0];
  if (batched && grad.dim() >= 1) grad = ops::unsqueeze(grad, 1);
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
  if (needs_input_grad(1)) r[1] = mm_mat1_grad(g[0], saved(kOther), mat1_col_major);
  if (needs_input_grad(2)) r[2] = mm_mat2_grad(g[0], saved(kSelf), mat2_col_major);
  return r;
}

// xhat = (x - mean) * rstd over the last k dims;
// grad_x = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)) with gw = g * weight;
// grad_weight = sum(g * xhat) and grad_bias = sum(g) over the leading dims.
tensor_list NativeLayerNormBackward0::apply(tensor_list&& g) {
  Tensor x = saved(kSelf), weight = saved(kOther), bias = saved(kExtra);
  std::vector<int64_t> dims;
  for (int64_t d = x.dim() - normalized_ndim; d < x.dim(); ++d) dims.push_back(d);
  Tensor xc = ops::sub(x, ops::mean(x, dims, true, std::nullopt), kOne);
  Tensor var = ops::mean(ops::mul(xc, xc), dims, true, std::nullopt);
  Tensor rstd = ops::rsqrt(ops::add(var, scalar(eps), kOne));
  Tensor xhat = ops::mul(xc, rstd);
  tensor_list r(3);
  if (needs_input_grad(0)) {
    Tensor gw = weight.defined() ? ops::mul(g[0], weight) : g[0];
    Tensor inner = ops::sub(ops::sub(gw, ops::mean(gw, dims, true, std::nullopt), kOne),
                            ops::mul(xhat, ops::mean(ops::mul(gw, xhat), dims, true, std::nullopt)), kOne);
    r[0] = ops::mul(rstd, inner);
  }
  if (needs_input_grad(1)) r[1] = ops::sum_to(ops::mul(g[0], xhat), weight.sizes());
  if (needs_input_grad(2)) r[2] = ops::sum_to(g[0], bias.sizes());
  return r;
}

// Rows of the (num_weights, D) gradient collect the rows of g picked by each index (except
// padding_idx), through the differentiable scatter_add.
tensor_list EmbeddingBackward0::apply(tensor_list&& g) {
  Tensor idx = saved(kOther);
  const int64_t n = idx.numel();
  DimVector g_sizes(g[0].sizes());
  const int64_t width = g_sizes.empty() ? 1 : g_sizes.back();
  Tensor rows = ops::reshape(g[0], {n, width});
  if (padding_idx >= 0) {
    Tensor is_pad = ops::eq(idx, ops::wrapped_scalar(Scalar(padding_idx)));
    rows = ops::masked_fill(rows, ops::unsqueeze(is_pad, 1), Scalar(0.0));
  }
  Tensor index = ops::contiguous(ops::expand(ops::unsqueeze(idx, 1), {n, width}));
  return {ops::scatter_add_along({num_weights, width}, 0, index, rows)};
}

tensor_list ConstantPadNdBackward0::apply(tensor_list&& g) {
  std::vector<int64_t> negated(pad.size());
  for (size_t i = 0; i < pad.size(); ++i) negated[i] = -pad[i];
  return {ops::constant_pad_nd(g[0], negated, Scalar(0.0))};
}

tensor_list PadIndexBackward::apply(tensor_list&& g) {
  if (GradMode::is_enabled()) return {pad_backward(*this, g[0])};  // create_graph: piecewise_nodes.h
  Tensor grad = g[0];
  for (size_t s = dims.size(); s-- > 0;) {
    const int64_t d = dims[s];
    DimVector view_sizes(grad.dim(), 1);
    view_sizes[d] = indices[s].numel();
    Tensor index = ops::contiguous(ops::expand(ops::reshape(indices[s], view_sizes), grad.sizes()));
    grad = ops::scatter_add_along(in_sizes[s], d, index, grad);
  }
  return {grad};
}

}  // namespace bibun
