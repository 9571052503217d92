// Loops of the convolution and pooling ops (ops/conv.cpp, ops/pool.cpp): im2col/col2im for
// convolution on BLAS, max pooling with flat indices, and averages over per-output windows.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace bibun::kernels {

// Geometry of a 2-D sliding window over an (H, W) plane (1-D ops use H = 1).
struct Window2d {
  int64_t H, W, kh, kw, sh, sw, ph, pw, dh, dw, OH, OW;
};

// input (N, C, H, W), any strides -> cols (C*kh*kw, N*OH*OW), contiguous; padding reads zeros.
void im2col(const Tensor& input, const Tensor& cols, const Window2d& g);
// The adjoint of im2col: cols (C*kh*kw, N*OH*OW) summed into a zeroed contiguous (N, C, H, W).
void col2im(const Tensor& cols, const Tensor& out, const Window2d& g);

// input (P, H, W) planes, any strides -> out (P, OH, OW) maxima and indices (int64, flat in H*W).
// A NaN wins, as in PyTorch.
void max_pool2d(const Tensor& input, const Tensor& out, const Tensor& indices, const Window2d& g);
// out (P, OH, OW)[i] = src (P, H, W)[indices[i]]  (the max pool with fixed indices).
void gather_planes(const Tensor& src, const Tensor& indices, const Tensor& out);
// out (P, H, W) zeroed, then out[indices[i]] += grad (P, OH, OW)[i].
void scatter_add_planes(const Tensor& grad, const Tensor& indices, const Tensor& out);

// Averaging windows: output (oh, ow) averages rows [hs[oh], he[oh]) x cols [ws[ow], we[ow])
// of its plane and divides by div[oh * OW + ow].
struct AvgWindows {
  int64_t H, W, OH, OW;
  std::vector<int64_t> hs, he, ws, we;
  std::vector<double> div;
};
// input (P, H, W) -> out (P, OH, OW), contiguous.
void window_avg(const Tensor& input, const Tensor& out, const AvgWindows& w);
// grad (P, OH, OW) -> out (P, H, W), contiguous, zeroed then accumulated (the adjoint).
void window_avg_backward(const Tensor& grad, const Tensor& out, const AvgWindows& w);

}  // namespace bibun::kernels
