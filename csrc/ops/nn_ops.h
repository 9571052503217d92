// The ops behind bibun.nn.functional (ops/nn_ops.cpp): softmax family, losses, addmm/linear,
// and the random in-place fills used by bibun.nn.init.
#pragma once
#include "ops/ops.h"

namespace bibun::ops {

Tensor softmax(const Tensor& a, int64_t dim);      // SoftmaxBackward0
Tensor log_softmax(const Tensor& a, int64_t dim);  // LogSoftmaxBackward0
// input (C) or (N, C) of log-probabilities, int64 target () or (N); weight (C) or undefined.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index);                                            // NllLossBackward0
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction);  // MseLossBackward0
// input holds probabilities; weight is undefined or of input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction);  // BinaryCrossEntropyBackward0
// self (broadcast to m x n) + mat1 (m x k) @ mat2 (k x n).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2);  // AddmmBackward0
// input @ weight.t() + bias, composed as PyTorch's F.linear (bias may be undefined).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

// Random fills from bibun's generator, written through copy_ (version bump, in-place checks).
Tensor& uniform_(Tensor& self, double from, double to);
Tensor& normal_(Tensor& self, double mean, double std);

}  // namespace bibun::ops
