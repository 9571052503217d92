// Kernels of the nn ops (ops/nn_ops.cpp): softmax, nll_loss, binary_cross_entropy and random fills.
// Inputs are dense (contiguous) and share the output's dtype; the op layer makes them so.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace bibun::kernels {

// out = softmax(in) (or log_softmax) over `dim`, max-subtracted for stability.
void softmax(const Tensor& out, const Tensor& in, int64_t dim, bool log);

// The shape of nll_loss's operands seen as (batch, classes, inner): input (C), (N, C) or
// (N, C, d1, ...), target (), (N) or (N, d1, ...).
struct NllShape {
  int64_t batch, classes, inner;
};
// Per-element losses: out[n, i] = -weight[t] * input[n, t, i] (0 where t == ignore_index);
// returns the sum of the weights of the non-ignored targets. Raises IndexError for a target
// outside [0, classes).
double nll_loss(const Tensor& out, const Tensor& input, const Tensor& target, const Tensor& weight,
                NllShape shape, int64_t ignore_index);
// d loss[n, i] / d input: zeros except coeff[n, t, i] = -weight[t] * scale.
void nll_loss_coeff(const Tensor& coeff, const Tensor& target, const Tensor& weight, NllShape shape,
                    int64_t ignore_index, double scale);

// out = -(t * max(log(x), -100) + (1 - t) * max(log(1 - x), -100)); raises unless 0 <= x <= 1.
void binary_cross_entropy(const Tensor& out, const Tensor& input, const Tensor& target);

// Pointwise activations of bibun.nn.functional; `in` is dense and of out's dtype. Parameters per op:
// LeakyRelu (slope), Elu (alpha, scale, input_scale), Softplus (beta, threshold), Hardtanh (min, max),
// Threshold (threshold, value). Hardtanh and Threshold accept integer dtypes (computed in double).
enum class Act { LeakyRelu, Elu, Gelu, GeluTanh, Silu, Mish, Softplus, Hardtanh, Hardsigmoid, Hardswish, Threshold };
struct ActParams {
  double a = 0, b = 0, c = 0;
};
void activation(Act op, const Tensor& out, const Tensor& in, ActParams p);

// In-place random fills of a dense floating tensor from bibun's generator (kernels/random.cpp).
void uniform(const Tensor& out, double from, double to);
void normal(const Tensor& out, double mean, double std);

}  // namespace bibun::kernels
