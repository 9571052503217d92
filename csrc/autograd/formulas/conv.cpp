// Backward formulas of convolution, pooling and batch norm, written with differentiable ops so
// that create_graph=True gives their double backward.
#include "autograd/formulas/conv_nodes.h"
#include "autograd/formulas/helpers.h"
#include "ops/unary_math.h"

namespace bibun {

namespace {

// The reduction dims of a (N, C, *) tensor for per-channel statistics: all but dim 1.
std::vector<int64_t> channel_reduce_dims(int64_t dim) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < dim; ++d) dims.push_back(d);
  return dims;
}

// (1, C, 1, ...) for broadcasting a per-channel vector against a (N, C, *) tensor.
Tensor per_channel(const Tensor& v, int64_t dim) {
  DimVector shape{1, v.numel()};
  for (int64_t d = 2; d < dim; ++d) shape.push_back(1);
  return ops::reshape(v, shape);
}

}  // namespace

tensor_list ConvolutionBackward0::apply(tensor_list&& grads) {
  tensor_list r(3);
  const Tensor& g = grads[0];
  const int64_t N = input_sizes[0], Cout = weight_sizes[0], C = input_sizes[1];
  const int64_t L = geom[8] * geom[9], cog = Cout / groups, ck = C / groups * geom[0] * geom[1];
  const DimVector x4_sizes{N, C, spatial == 2 ? input_sizes[2] : 1, input_sizes[spatial + 1]};
  // (N, Cout, *) -> (Cout, N*L), the layout of the per-group products.
  Tensor g2 = ops::reshape(ops::permute(ops::reshape(g, {N, Cout, L}), {1, 0, 2}), {Cout, N * L});
  auto group_rows = [&](const Tensor& t, int64_t g_, int64_t rows) {
    return groups == 1 ? t : ops::slice(t, 0, g_ * rows, (g_ + 1) * rows, 1);
  };
  auto join = [&](std::vector<Tensor>& parts) { return parts.size() == 1 ? parts[0] : ops::cat(parts, 0); };
  if (needs_input_grad(0)) {
    Tensor w2 = ops::reshape(saved(kOther), {Cout, ck});
    std::vector<Tensor> parts;
    for (int64_t gi = 0; gi < groups; ++gi)
      parts.push_back(ops::mm(ops::t(group_rows(w2, gi, cog)), group_rows(g2, gi, cog)));
    r[0] = ops::reshape(ops::conv_col2im(join(parts), x4_sizes, geom), input_sizes);
  }
  if (needs_input_grad(1)) {
    Tensor cols = ops::conv_im2col(ops::reshape(saved(kSelf), x4_sizes), geom);
    std::vector<Tensor> parts;
    for (int64_t gi = 0; gi < groups; ++gi)
      parts.push_back(ops::mm(group_rows(g2, gi, cog), ops::t(group_rows(cols, gi, ck))));
    r[1] = ops::reshape(join(parts), weight_sizes);
  }
  if (needs_input_grad(2)) r[2] = ops::sum(g, channel_reduce_dims(g.dim()), false, std::nullopt);
  return r;
}

tensor_list Im2ColBackward0::apply(tensor_list&& grads) { return {ops::conv_col2im(grads[0], x_sizes, geom)}; }

tensor_list Col2ImBackward0::apply(tensor_list&& grads) { return {ops::conv_im2col(grads[0], geom)}; }

tensor_list MaxPool2DWithIndicesBackward0::apply(tensor_list&& grads) {
  return {ops::max_pool2d_scatter(grads[0], saved(kExtra), input_sizes)};
}

tensor_list MaxPool2DWithIndicesBackwardBackward0::apply(tensor_list&& grads) {
  return {ops::max_pool2d_gather(grads[0], saved(kExtra), input_sizes)};
}

tensor_list AvgPool2DBackward0::apply(tensor_list&& grads) {
  return {ops::window_avg_backward(grads[0], windows, input_sizes, false)};
}

tensor_list AvgPool2DBackwardBackward0::apply(tensor_list&& grads) { return {ops::window_avg(grads[0], windows, false)}; }

tensor_list AdaptiveAvgPool2DBackward0::apply(tensor_list&& grads) {
  return {ops::window_avg_backward(grads[0], windows, input_sizes, true)};
}

tensor_list AdaptiveAvgPool2DBackwardBackward0::apply(tensor_list&& grads) {
  return {ops::window_avg(grads[0], windows, true)};
}

// x_hat = (x - mean) * invstd; in training mean and invstd are the batch statistics (functions
// of x, so recomputing them here gives the right second derivatives), in evaluation the
// running ones (constants).
tensor_list NativeBatchNormBackward0::apply(tensor_list&& grads) {
  tensor_list r(3);
  const Tensor& g = grads[0];
  Tensor x = saved(kSelf);
  const int64_t dim = x.dim();
  const std::vector<int64_t> dims = channel_reduce_dims(dim);
  Tensor mean, invstd;
  if (training) {
    mean = ops::mean(x, dims, true, std::nullopt);
    Tensor xc0 = ops::sub(x, mean, Scalar(int64_t{1}));
    Tensor var = ops::mean(ops::mul(xc0, xc0), dims, true, std::nullopt);
    invstd = ops::rsqrt(ops::add(var, formulas::scalar(eps), Scalar(int64_t{1})));
  } else {
    mean = per_channel(saved(kResult), dim);
    invstd = ops::rsqrt(ops::add(per_channel(saved(kExtra), dim), formulas::scalar(eps), Scalar(int64_t{1})));
  }
  Tensor x_hat = ops::mul(ops::sub(x, mean, Scalar(int64_t{1})), invstd);
  if (needs_input_grad(0)) {
    Tensor scale = has_weight ? ops::mul(invstd, per_channel(saved(kOther), dim)) : invstd;
    if (training) {
      Tensor centered = ops::sub(g, ops::mean(g, dims, true, std::nullopt), Scalar(int64_t{1}));
      Tensor proj = ops::mul(x_hat, ops::mean(ops::mul(g, x_hat), dims, true, std::nullopt));
      r[0] = ops::mul(scale, ops::sub(centered, proj, Scalar(int64_t{1})));
    } else {
      r[0] = ops::mul(g, scale);
    }
  }
  if (needs_input_grad(1)) r[1] = ops::sum(ops::mul(g, x_hat), dims, false, std::nullopt);
  if (needs_input_grad(2)) r[2] = ops::sum(g, dims, false, std::nullopt);
  return r;
}

}  // namespace bibun
