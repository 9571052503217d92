// Convolution, pooling and batch norm ops (ops/conv.cpp, ops/pool.cpp, ops/batch_norm.cpp),
// behind bibun.nn.functional's conv1d/conv2d, max/avg/adaptive pooling and batch_norm.
#pragma once
#include <array>
#include <memory>
#include <tuple>

#include "ops/ops.h"

namespace bibun::kernels {
struct AvgWindows;
}

namespace bibun::ops {

// 1 or 2 spatial dims. input (N, C, *spatial), weight (Cout, C/groups, *kernel), bias (Cout) or
// undefined. stride/padding/dilation have one entry per spatial dim. ConvolutionBackward0.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups);

// Differentiable building blocks of convolution's backward (each the other's adjoint).
// x (N, C, H, W) -> cols (C*kh*kw, N*OH*OW); geometry {kh, kw, sh, sw, ph, pw, dh, dw, OH, OW}.
// The output size is part of the geometry: 'same' padding of an even kernel pads one more on
// the far side, which is a larger OH/OW (the window reads zeros outside the input).
using ConvGeom = std::array<int64_t, 10>;
Tensor conv_im2col(const Tensor& x, const ConvGeom& geom);
Tensor conv_col2im(const Tensor& cols, const DimVector& x_sizes, const ConvGeom& geom);

// input (N, C, H, W) or (C, H, W). Returns (output, int64 indices flat in H*W).
std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> kernel,
                                                   std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                                                   std::array<int64_t, 2> dilation, bool ceil_mode);
// The max pool's gradient (grad placed at indices) and its adjoint (values read at indices).
Tensor max_pool2d_scatter(const Tensor& grad, const Tensor& indices, const DimVector& input_sizes);
Tensor max_pool2d_gather(const Tensor& x, const Tensor& indices, const DimVector& input_sizes);

Tensor avg_pool2d(const Tensor& input, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override);
Tensor adaptive_avg_pool2d(const Tensor& input, std::array<int64_t, 2> output_size);

// The averaging windows of avg_pool2d / adaptive_avg_pool2d, applied (forward) or transposed
// (backward), recorded under the node names of `adaptive` or not.
Tensor window_avg(const Tensor& input, std::shared_ptr<const kernels::AvgWindows> w, bool adaptive);
Tensor window_avg_backward(const Tensor& grad, std::shared_ptr<const kernels::AvgWindows> w,
                           const DimVector& input_sizes, bool adaptive);

// input (N, C, *); weight/bias/running stats (C) or undefined. Training updates the running
// stats in place (momentum; unbiased variance). NativeBatchNormBackward0.
Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps);

}  // namespace bibun::ops
