// The recorded first derivatives of piecewise-linear ops (Note [Double backward of piecewise-linear
// ops] in piecewise_nodes.h).
#include "autograd/formulas/piecewise_nodes.h"

#include "autograd/formulas/binary_nodes.h"
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nn_ops_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/kernels.h"
#include "ops/common.h"
#include "ops/nn_ops.h"

namespace bibun {

using namespace formulas;

namespace {

Tensor cmp(kernels::BinaryOp op, const Tensor& a, double v) { return ops::compare(static_cast<int>(op), a, scalar(v)); }

Tensor piecewise_values(const Tensor& g, const Tensor& x, const PiecewiseSlope& s) {
  switch (s.kind) {
    case PiecewiseKind::Threshold:
      return ops::masked_fill(g, cmp(kernels::BinaryOp::Le, x, s.lo), Scalar(0.0));
    case PiecewiseKind::Hardtanh: {
      Tensor r = ops::masked_fill(g, cmp(kernels::BinaryOp::Le, x, s.lo), Scalar(0.0));
      return ops::masked_fill(r, cmp(kernels::BinaryOp::Ge, x, s.hi), Scalar(0.0));
    }
    case PiecewiseKind::LeakyRelu:
      return ops::where(cmp(kernels::BinaryOp::Gt, x, 0.0), g, ops::mul(g, scalar(s.lo)));
  }
  return Tensor();
}

}  // namespace

Tensor piecewise_backward(const Tensor& grad, const Tensor& x, const PiecewiseSlope& s) {
  Tensor out;
  {
    AutoGradMode off(false);
    out = piecewise_values(grad, x, s);
  }
  if (auto node = ops::make_node<PiecewiseBackwardBackward>({&grad, &x})) {
    node->slope = s;
    node->save(kSelf, x);
    set_history(out, node);
  }
  return out;
}

std::string PiecewiseBackwardBackward::name() const {
  switch (slope.kind) {
    case PiecewiseKind::Threshold: return "ThresholdBackwardBackward0";
    case PiecewiseKind::Hardtanh: return "HardtanhBackwardBackward0";
    case PiecewiseKind::LeakyRelu: return "LeakyReluBackwardBackward0";
  }
  return "";
}

tensor_list PiecewiseBackwardBackward::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = piecewise_backward(g[0], x, slope);
  if (needs_input_grad(1)) r[1] = zeros_like(g[0]);
  return r;
}

namespace {

Tensor where_lt(const Tensor& x, double v, const Tensor& a, const Tensor& b) {
  return ops::where(cmp(kernels::BinaryOp::Lt, x, v), a, b);
}

// D(x) of scaled_backward, written so that its derivative is PyTorch's second derivative at the kinks.
Tensor scale_of(const Tensor& x, const ScaledParams& p) {
  const Scalar one{int64_t{1}};
  switch (p.kind) {
    case ScaledKind::Elu: {  // x > 0: scale; else input_scale * alpha * scale * exp(x * input_scale)
      Tensor neg = ops::mul(ops::exp(ops::mul(where_lt(x, 0.0, x, scalar(0.0)), scalar(p.input_scale))),
                            scalar(p.input_scale * p.alpha * p.scale));
      return ops::where(cmp(kernels::BinaryOp::Gt, x, 0.0), scalar(p.scale), neg);
    }
    case ScaledKind::EluResult: {  // y > 0: scale; else input_scale * (y + alpha * scale)
      Tensor neg = ops::mul(ops::add(where_lt(x, 0.0, x, scalar(0.0)), scalar(p.alpha * p.scale), one),
                            scalar(p.input_scale));
      return ops::where(cmp(kernels::BinaryOp::Gt, x, 0.0), scalar(p.scale), neg);
    }
    case ScaledKind::Hardswish: {  // x <= -3: 0; -3 < x < 3: x / 3 + 0.5; else 1
      Tensor mid = ops::add(ops::div(x, scalar(3.0)), scalar(0.5), one);
      Tensor r = where_lt(x, 3.0, mid, scalar(1.0));
      return ops::masked_fill(r, cmp(kernels::BinaryOp::Le, x, -3.0), Scalar(0.0));
    }
    case ScaledKind::Softplus: {  // z = beta x > threshold: 1; else sigmoid(z)
      Tensor z = ops::mul(x, scalar(p.beta));
      Tensor s = ops::sigmoid(where_lt(z, p.threshold, z, scalar(p.threshold)));
      return ops::where(cmp(kernels::BinaryOp::Gt, z, p.threshold), scalar(1.0), s);
    }
  }
  return Tensor();
}

// D'(x), zero outside the open pieces as in PyTorch's double-backward formulas.
Tensor scale_derivative(const Tensor& x, const ScaledParams& p) {
  switch (p.kind) {
    case ScaledKind::Elu: {
      Tensor d = ops::mul(ops::exp(ops::mul(x, scalar(p.input_scale))),
                          scalar(p.input_scale * p.input_scale * p.alpha * p.scale));
      return where_lt(x, 0.0, d, scalar(0.0));
    }
    case ScaledKind::EluResult:
      return ops::mul(ops::to_dtype(cmp(kernels::BinaryOp::Lt, x, 0.0), x.dtype()), scalar(p.input_scale));
    case ScaledKind::Hardswish: {
      Tensor above = ops::to_dtype(cmp(kernels::BinaryOp::Gt, x, -3.0), x.dtype());
      Tensor below = ops::to_dtype(cmp(kernels::BinaryOp::Lt, x, 3.0), x.dtype());
      return ops::div(ops::mul(above, below), scalar(3.0));
    }
    case ScaledKind::Softplus: {
      Tensor z = ops::mul(x, scalar(p.beta));
      Tensor s = ops::sigmoid(z);
      Tensor d = ops::mul(ops::mul(s, ops::rsub(s, scalar(1.0), Scalar(int64_t{1}))), scalar(p.beta));
      return where_lt(z, p.threshold, d, scalar(0.0));
    }
  }
  return Tensor();
}

}  // namespace

Tensor scaled_backward(const Tensor& grad, const Tensor& x, const ScaledParams& p) {
  Tensor out;
  {
    AutoGradMode off(false);
    out = ops::mul(grad, scale_of(x, p));
    // PyTorch's kernel writes 0 there whatever the gradient (an infinite one included).
    if (p.kind == ScaledKind::Hardswish) out = ops::masked_fill(out, cmp(kernels::BinaryOp::Le, x, -3.0), Scalar(0.0));
  }
  if (auto node = ops::make_node<ScaledBackwardBackward>({&grad, &x})) {
    node->params = p;
    node->save(kOther, grad);
    node->save(kSelf, x);
    set_history(out, node);
  }
  return out;
}

std::string ScaledBackwardBackward::name() const {
  switch (params.kind) {
    case ScaledKind::Elu:
    case ScaledKind::EluResult: return "EluBackwardBackward0";
    case ScaledKind::Hardswish: return "HardswishBackwardBackward0";
    case ScaledKind::Softplus: return "SoftplusBackwardBackward0";
  }
  return "";
}

tensor_list ScaledBackwardBackward::apply(tensor_list&& g) {
  Tensor x = saved(kSelf);
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = scaled_backward(g[0], x, params);
  if (needs_input_grad(1)) r[1] = ops::mul(ops::mul(g[0], saved(kOther)), scale_derivative(x, params));
  return r;
}

Tensor hardsigmoid_backward(const Tensor& grad, const Tensor& x) {
  Tensor out;
  {
    AutoGradMode off(false);
    out = ops::mul(grad, scalar(static_cast<double>(1.0f / 6.0f)));  // PyTorch's kernel: a float 1/6
    out = ops::masked_fill(out, cmp(kernels::BinaryOp::Le, x, -3.0), Scalar(0.0));
    out = ops::masked_fill(out, cmp(kernels::BinaryOp::Ge, x, 3.0), Scalar(0.0));
  }
  if (auto node = ops::make_node<NotImplementedBackward>({&grad, &x})) {
    node->op = "hardsigmoid_backward";
    set_history(out, node);
  }
  return out;
}

namespace {

// prelu's weight gradient before the sum has the input's shape; the weight's own gradient is it summed
// to the weight as PyTorch's prelu hands it to its kernel (viewed as (1, C, 1, ...) for an input of 2
// or more dims, (C,) for 1-D) and viewed back: SumBackward1 then ViewBackward0, as PyTorch records them.
Tensor prelu_weight_grad(const Tensor& full, const Tensor& x, const Tensor& weight) {
  DimVector kernel_shape = x.sizes();  // a 0-d input: one weight
  if (x.dim() >= 1) {
    kernel_shape = DimVector(x.dim(), 1);
    kernel_shape[x.dim() >= 2 ? 1 : 0] = weight.numel();
  }
  Tensor r = ops::sum_to(full, kernel_shape);
  return r.sizes() == weight.sizes() ? r : ops::reshape(r, weight.sizes());
}

// (d input, d weight before the sum) of prelu at x with weight w for the gradient g.
tensor_list prelu_grads(const Tensor& g, const Tensor& x, const Tensor& weight, bool need_x, bool need_weight) {
  Tensor positive = cmp(kernels::BinaryOp::Gt, x, 0.0);
  tensor_list r(2);
  if (need_x) r[0] = ops::where(positive, g, ops::mul(ops::prelu_weight_view(weight, x.dim()), g));
  if (need_weight) r[1] = ops::where(positive, zeros_like(g), ops::mul(x, g));
  return r;
}

}  // namespace

tensor_list prelu_kernel_backward(const Tensor& grad, const Tensor& x, const Tensor& weight, bool need_x,
                                  bool need_weight) {
  tensor_list r;
  if (!compute_requires_grad({&grad, &x, &weight})) {
    r = prelu_grads(grad, x, weight, need_x, need_weight);
  } else {
    // Recorded: both outputs exist (output_nr 0 and 1 of one node), as PyTorch's _prelu_kernel_backward.
    {
      AutoGradMode off(false);
      r = prelu_grads(grad, x, weight, true, true);
    }
    auto node = ops::make_node<PreluKernelBackwardBackward0>({&grad, &x, &weight});
    node->save(kOther, grad);
    node->save(kSelf, x);
    node->save(kExtra, weight);
    set_history(r[0], node);
    set_history(r[1], node);
    if (!need_x) r[0] = Tensor();
  }
  r[1] = need_weight ? prelu_weight_grad(r[1], x, weight) : Tensor();
  return r;
}

// gx = where(x > 0, g, w g), gw = where(x > 0, 0, x g) (before the sum): their derivatives for the
// incoming (ggx, ggw), as functions of (g, x, w). PyTorch masks x < 0 here where the first
// derivatives mask x > 0; at x == 0 they differ, as PyTorch's do.
tensor_list PreluKernelBackwardBackward0::apply(tensor_list&& gg) {
  Tensor g = saved(kOther), x = saved(kSelf), weight = saved(kExtra);
  Tensor negative = cmp(kernels::BinaryOp::Lt, x, 0.0);
  Tensor wv = ops::prelu_weight_view(weight, x.dim());
  Tensor zero = zeros_like(g);
  tensor_list r(3);
  if (needs_input_grad(0))
    r[0] = ops::where(negative, ops::add(ops::mul(wv, gg[0]), ops::mul(gg[1], x), Scalar(int64_t{1})), gg[0]);
  if (needs_input_grad(1)) r[1] = ops::where(negative, ops::mul(gg[1], g), zero);
  if (needs_input_grad(2)) {
    Tensor gw = ops::sum_to(ops::where(negative, ops::mul(gg[0], g), zero), wv.sizes());
    r[2] = gw.sizes() == weight.sizes() ? gw : ops::reshape(gw, weight.sizes());
  }
  return r;
}

Tensor pad_backward(PadIndexBackward& first, const Tensor& grad) {
  Tensor out;
  {
    AutoGradMode off(false);
    out = first.apply(tensor_list{grad})[0];
  }
  const Edge& self_edge = first.next_edges()[0];
  if (grad.requires_grad() || self_edge.valid()) {
    auto node = std::make_shared<PadBackwardBackward>();
    node->pad = first.pad;
    node->reflect = first.reflect;
    node->self_sizes = first.in_sizes.empty() ? grad.sizes() : first.in_sizes[0];
    node->set_next_edges({gradient_edge(grad), self_edge});
    set_history(out, node);
  }
  return out;
}

std::string PadBackwardBackward::name() const {
  return std::string(reflect ? "ReflectionPad" : "ReplicationPad") + std::to_string(pad.size() / 2) +
         "DBackwardBackward0";
}

tensor_list PadBackwardBackward::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::index_pad(g[0], pad, reflect);
  if (needs_input_grad(1)) r[1] = ops::zeros(self_sizes, g[0].dtype());
  return r;
}

}  // namespace bibun
