// Note [Double backward of piecewise-linear ops]
// The first derivative of relu, threshold, hardtanh (relu6), leaky_relu, prelu and reflect/replicate
// pad is linear in the incoming gradient and piecewise constant in the input, so written with
// masked_fill/where of the gradient alone it would not depend on the input, and under
// create_graph=True a second grad(...) would raise "does not require grad" where PyTorch returns
// zeros. PyTorch records these first derivatives as ops of their own (threshold_backward,
// hardtanh_backward, ...) whose derivative is the same scaling for the gradient and zeros for the
// input. The helpers here compute the first derivative unrecorded and, when the backward is being
// recorded, give it that node (ThresholdBackwardBackward0, ...), so its result requires grad through
// the input as PyTorch's does. The smooth-but-for-kinks ones (elu, hardswish, softplus) get PyTorch's
// node and its second-derivative masks at the kinks the same way. hardsigmoid's first derivative
// records PyTorch's torch::autograd::NotImplemented (its second derivative raises).
#pragma once
#include <string>
#include <vector>

#include "autograd/formula_node.h"
#include "tensor/dim_vector.h"

namespace bibun {

enum class PiecewiseKind { Threshold, Hardtanh, LeakyRelu };

// Threshold: grad where x > lo, else 0. Hardtanh: grad where lo < x < hi, else 0.
// LeakyRelu: grad where x > 0, else grad * lo.
struct PiecewiseSlope {
  PiecewiseKind kind;
  double lo = 0.0;
  double hi = 0.0;
};

// grad scaled by the derivative of the op at x (see the Note).
Tensor piecewise_backward(const Tensor& grad, const Tensor& x, const PiecewiseSlope& s);

struct PiecewiseBackwardBackward : FormulaNode {  // grad, x (kSelf)
  PiecewiseSlope slope;
  std::string name() const override;
  tensor_list apply(tensor_list&& grads) override;
};

// First derivatives that are grad * D(x) for a smooth-but-for-kinks D (elu/selu/celu from the input or,
// in place, from the result; hardswish; softplus), recorded as PyTorch's EluBackwardBackward0 /
// HardswishBackwardBackward0 / SoftplusBackwardBackward0: the gradient's derivative is the same op of
// the incoming gradient, the input's is grad * incoming * D'(x), with PyTorch's masks at the kinks.
enum class ScaledKind { Elu, EluResult, Hardswish, Softplus };
struct ScaledParams {
  ScaledKind kind;
  double alpha = 1.0, scale = 1.0, input_scale = 1.0;  // elu
  double beta = 1.0, threshold = 20.0;                 // softplus
};
Tensor scaled_backward(const Tensor& grad, const Tensor& x, const ScaledParams& p);

struct ScaledBackwardBackward : FormulaNode {  // grad (kOther), x (kSelf)
  ScaledParams params;
  std::string name() const override;
  tensor_list apply(tensor_list&& grads) override;
};

// hardsigmoid_backward: g / 6 inside (-3, 3), else 0; recorded as torch::autograd::NotImplemented.
Tensor hardsigmoid_backward(const Tensor& grad, const Tensor& x);

// prelu's two first derivatives (input, weight), recorded together as PreluKernelBackwardBackward0.
tensor_list prelu_kernel_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, bool need_x,
                                  bool need_weight);

struct PreluKernelBackwardBackward0 : FormulaNode {  // grad (kOther), x (kSelf), weight (kExtra)
  std::string name() const override { return "PreluKernelBackwardBackward0"; }
  tensor_list apply(tensor_list&& grads) override;
};

// The gradient of reflect/replicate pad (PadIndexBackward's formula, run unrecorded) recorded as
// Reflection/ReplicationPad{k}DBackwardBackward0, with edges to grad and to the padded input
// (the first node's own edge).
struct PadIndexBackward;
Tensor pad_backward(PadIndexBackward& first, const Tensor& grad);

struct PadBackwardBackward : FormulaNode {
  std::vector<int64_t> pad;
  bool reflect = false;
  DimVector self_sizes;
  std::string name() const override;
  tensor_list apply(tensor_list&& grads) override;
};

}  // namespace bibun
