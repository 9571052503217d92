// The ops behind bibun.nn.functional: activations (ops/activation.cpp), losses (ops/loss.cpp and
// ops/nn_ops.cpp), softmax family, addmm/linear, layer_norm, embedding, padding, and the random
// in-place fills used by bibun.nn.init (ops/nn_ops.cpp).
#pragma once
#include "kernels/nn_kernels.h"
#include "ops/ops.h"

namespace bibun::ops {

Tensor softmax(const Tensor& a, int64_t dim);      // SoftmaxBackward0
Tensor log_softmax(const Tensor& a, int64_t dim);  // LogSoftmaxBackward0
// input (C), (N, C) or (N, C, d1, ...) of log-probabilities, int64 target (), (N) or (N, d1, ...);
// weight (C) or undefined. NllLoss2DBackward0 for inputs of 3 or more dims.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index);                                            // NllLossBackward0
kernels::NllShape nll_shape(const DimVector& input_sizes);  // (batch, classes, inner)
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction);  // MseLossBackward0
// input holds probabilities; weight is undefined or of input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            Reduction reduction);  // BinaryCrossEntropyBackward0
// self (broadcast to m x n) + mat1 (m x k) @ mat2 (k x n).
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2);  // AddmmBackward0
// input @ weight.t() + bias, composed as PyTorch's F.linear (bias may be undefined).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias);

// Activations (ops/activation.cpp); relu, celu and where are declared in ops.h.
Tensor& relu_(Tensor& self);                                                   // ReluBackward0
Tensor& celu_(Tensor& self, double alpha);                                     // CeluBackward1
Tensor leaky_relu(const Tensor& a, double negative_slope);                     // LeakyReluBackward0
Tensor& leaky_relu_(Tensor& self, double negative_slope);                      // LeakyReluBackward1
Tensor elu(const Tensor& a, double alpha, double scale, double input_scale);   // EluBackward0
Tensor& elu_(Tensor& self, double alpha, double scale, double input_scale);    // EluBackward1
Tensor selu(const Tensor& a);
Tensor& selu_(Tensor& self);
Tensor gelu(const Tensor& a, bool tanh_approx);  // GeluBackward0
Tensor& gelu_(Tensor& self, bool tanh_approx);
Tensor silu(const Tensor& a);  // SiluBackward0
Tensor& silu_(Tensor& self);
Tensor mish(const Tensor& a);  // MishBackward0
Tensor& mish_(Tensor& self);
Tensor softplus(const Tensor& a, double beta, double threshold);  // SoftplusBackward0
Tensor hardtanh(const Tensor& a, double min_val, double max_val);  // HardtanhBackward0
Tensor& hardtanh_(Tensor& self, double min_val, double max_val);
Tensor hardsigmoid(const Tensor& a);  // HardsigmoidBackward0
Tensor& hardsigmoid_(Tensor& self);
Tensor hardswish(const Tensor& a);  // HardswishBackward0
Tensor& hardswish_(Tensor& self);
Tensor threshold(const Tensor& a, double threshold, double value);   // ThresholdBackward0
Tensor& threshold_(Tensor& self, double threshold, double value);    // ThresholdBackward1
Tensor glu(const Tensor& a, int64_t dim);                            // GluBackward0
Tensor prelu(const Tensor& a, const Tensor& weight);                 // PreluKernelBackward0
// prelu's weight shaped to broadcast over dim 1 of an input with `input_dim` dims.
Tensor prelu_weight_view(const Tensor& weight, int64_t input_dim);

// Losses (ops/loss.cpp).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta);

// Layers (ops/nn_ops.cpp).
// layer_norm over the last normalized_ndim dims; weight/bias undefined or of those dims' shape.
Tensor layer_norm(const Tensor& input, int64_t normalized_ndim, const Tensor& weight, const Tensor& bias,
                  double eps);  // NativeLayerNormBackward0
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx);  // EmbeddingBackward0
// pad: (left, right) pairs from the last dim backwards; negative values crop.
Tensor constant_pad_nd(const Tensor& a, const std::vector<int64_t>& pad, Scalar value);  // ConstantPadNdBackward0

// reflect (or replicate) padding of the last pad.size() / 2 dims; shapes checked by the caller.
Tensor index_pad(const Tensor& a, const std::vector<int64_t>& pad, bool reflect);

// Random fills from bibun's generator, written through copy_ (version bump, in-place checks).
Tensor& uniform_(Tensor& self, double from, double to);
Tensor& normal_(Tensor& self, double mean, double std);

}  // namespace bibun::ops
