// Activations of bibun.nn.functional (relu, leaky_relu, elu/selu/celu, gelu, silu, mish, softplus,
// hardtanh, hardsigmoid, hardswish, threshold, glu, prelu) and where. Pointwise ones run
// kernels::activation; in-place twins follow Note [In-place rebase] (a formula that needs the old
// value saves a recorded clone of it; one that needs the result saves self after the write).
#include "autograd/formulas/nn_ops_nodes.h"
#include "kernels/unary_math.h"
#include "kernels/nn_kernels.h"
#include "ops/common.h"
#include "ops/nn_ops.h"
#include "ops/output_layout.h"

namespace bibun::ops {

using kernels::Act;
using kernels::ActParams;

namespace {

constexpr size_t kNoSave = FormulaNode::kMaxSaved;

Tensor run_act(const Tensor& a, Act op, ActParams p) {
  Tensor in = a;
  if (!a.is_contiguous()) {
    in = empty(a.sizes(), a.dtype());
    kernels::copy(in, a);
  }
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::activation(op, out, in, p);
  return out;
}

struct NoSetup {
  template <typename N>
  void operator()(N&) const {}
};

template <typename N, typename S = NoSetup>
Tensor act(const Tensor& a, Act op, ActParams p, size_t slot, S setup = {}) {
  Tensor out = run_act(a, op, p);
  if (auto node = make_node<N>({&a})) {
    setup(*node);
    if (slot == kSelf) node->save(kSelf, a);
    set_history(out, node);
    if (slot == kResult) node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

template <typename N, typename S = NoSetup>
Tensor& act_(Tensor& self, Act op, ActParams p, size_t slot, S setup = {}) {
  check_inplace_write(self, {}, self.dtype());
  Tensor result = run_act(self, op, p);  // raises for unsupported dtypes before anything is written
  auto node = make_node<N>({&self});
  if (node) {
    setup(*node);
    if (slot == kSelf) node->save(kSelf, clone(self));  // the old value, with its history
  }
  kernels::copy(self, result);
  rebase_history(self, node);
  if (node && slot == kResult) node->save(kResult, self, /*is_output=*/true);
  return self;
}

void check_not_bool(const Tensor& a, const char* what) {
  BIBUN_CHECK(a.dtype() != ScalarType::Bool, "Bool inputs not supported for ", what);
}

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

}  // namespace

Tensor relu(const Tensor& a) {
  BIBUN_CHECK(a.dtype() != ScalarType::Bool, "Boolean inputs not supported for relu");
  // x < 0 ? 0 : x keeps -0.0 and NaN as they are (PyTorch's clamp_min).
  Tensor zero = scalar_tensor(Scalar(int64_t{0}), a.dtype());
  Tensor out = empty_elementwise(a.sizes(), a.dtype(), {&a});
  kernels::clamp(out, a, zero, Tensor());
  if (auto node = make_node<ReluBackward0>({&a})) {
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor& relu_(Tensor& self) {
  BIBUN_CHECK(self.dtype() != ScalarType::Bool, "Boolean inputs not supported for relu");
  check_inplace_write(self, {}, self.dtype());
  Tensor result;
  {
    AutoGradMode no_grad(false);
    result = relu(self);
  }
  auto node = make_node<ReluBackward0>({&self});
  kernels::copy(self, result);
  rebase_history(self, node);
  if (node) node->save(kResult, self, true);
  return self;
}

Tensor celu(const Tensor& a, Scalar alpha) {
  BIBUN_CHECK(alpha.to_double() != 0.0, "ZeroDivisionError");
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::celu(out, a, alpha.to_double());
  if (auto node = make_node<CeluBackward0>({&a})) {
    node->alpha = alpha;
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor& celu_(Tensor& self, double alpha) {
  BIBUN_CHECK(alpha != 0.0, "ZeroDivisionError");
  return act_<CeluBackward1>(self, Act::Elu, {alpha, 1.0, 1.0 / alpha}, kResult,
                             [=](CeluBackward1& n) { n.alpha = alpha; });
}

Tensor leaky_relu(const Tensor& a, double slope) {
  return act<LeakyReluBackward0>(a, Act::LeakyRelu, {slope}, kSelf,
                                 [=](LeakyReluBackward0& n) { n.negative_slope = slope; });
}
Tensor& leaky_relu_(Tensor& self, double slope) {
  return act_<LeakyReluBackward1>(self, Act::LeakyRelu, {slope}, kResult,
                                  [=](LeakyReluBackward1& n) { n.negative_slope = slope; });
}

Tensor elu(const Tensor& a, double alpha, double scale, double input_scale) {
  return act<EluBackward0>(a, Act::Elu, {alpha, scale, input_scale}, kSelf, [=](EluBackward0& n) {
    n.alpha = alpha, n.scale = scale, n.input_scale = input_scale;
  });
}
Tensor& elu_(Tensor& self, double alpha, double scale, double input_scale) {
  return act_<EluBackward1>(self, Act::Elu, {alpha, scale, input_scale}, kResult, [=](EluBackward1& n) {
    n.alpha = alpha, n.scale = scale, n.input_scale = input_scale;
  });
}
Tensor selu(const Tensor& a) { return elu(a, kSeluAlpha, kSeluScale, 1.0); }
Tensor& selu_(Tensor& self) { return elu_(self, kSeluAlpha, kSeluScale, 1.0); }

Tensor gelu(const Tensor& a, bool tanh_approx) {
  return act<GeluBackward0>(a, tanh_approx ? Act::GeluTanh : Act::Gelu, {}, kSelf,
                            [=](GeluBackward0& n) { n.tanh_approx = tanh_approx; });
}
Tensor& gelu_(Tensor& self, bool tanh_approx) {
  return act_<GeluBackward0>(self, tanh_approx ? Act::GeluTanh : Act::Gelu, {}, kSelf,
                             [=](GeluBackward0& n) { n.tanh_approx = tanh_approx; });
}

Tensor silu(const Tensor& a) { return act<SiluBackward0>(a, Act::Silu, {}, kSelf); }
Tensor& silu_(Tensor& self) { return act_<SiluBackward0>(self, Act::Silu, {}, kSelf); }
Tensor mish(const Tensor& a) { return act<MishBackward0>(a, Act::Mish, {}, kSelf); }
Tensor& mish_(Tensor& self) { return act_<MishBackward0>(self, Act::Mish, {}, kSelf); }

Tensor softplus(const Tensor& a, double beta, double threshold) {
  return act<SoftplusBackward0>(a, Act::Softplus, {beta, threshold}, kSelf, [=](SoftplusBackward0& n) {
    n.beta = beta, n.threshold = threshold;
  });
}

Tensor hardtanh(const Tensor& a, double min_val, double max_val) {
  check_not_bool(a, "hardtanh");
  return act<HardtanhBackward0>(a, Act::Hardtanh, {min_val, max_val}, kSelf, [=](HardtanhBackward0& n) {
    n.min_val = min_val, n.max_val = max_val;
  });
}
Tensor& hardtanh_(Tensor& self, double min_val, double max_val) {
  check_not_bool(self, "hardtanh");
  return act_<HardtanhBackward0>(self, Act::Hardtanh, {min_val, max_val}, kResult, [=](HardtanhBackward0& n) {
    n.min_val = min_val, n.max_val = max_val;
  });
}

Tensor hardsigmoid(const Tensor& a) { return act<HardsigmoidBackward0>(a, Act::Hardsigmoid, {}, kSelf); }
Tensor& hardsigmoid_(Tensor& self) { return act_<HardsigmoidBackward0>(self, Act::Hardsigmoid, {}, kSelf); }
Tensor hardswish(const Tensor& a) { return act<HardswishBackward0>(a, Act::Hardswish, {}, kSelf); }
Tensor& hardswish_(Tensor& self) { return act_<HardswishBackward0>(self, Act::Hardswish, {}, kSelf); }

Tensor threshold(const Tensor& a, double threshold, double value) {
  return act<ThresholdBackward0>(a, Act::Threshold, {threshold, value}, kSelf,
                                 [=](ThresholdBackward0& n) { n.threshold = threshold; });
}
Tensor& threshold_(Tensor& self, double threshold, double value) {
  // The old value: the result cannot tell a replaced element from a kept one when value > threshold.
  return act_<ThresholdBackward1>(self, Act::Threshold, {threshold, value}, kSelf,
                                  [=](ThresholdBackward1& n) { n.threshold = threshold; });
}

Tensor glu(const Tensor& a, int64_t dim_in) {
  BIBUN_CHECK(a.dim() > 0, "glu does not support scalars because halving size must be even");
  const int64_t dim = wrap_dim(dim_in, a.dim());
  const int64_t n = a.sizes()[dim];
  BIBUN_CHECK(n % 2 == 0, "Halving dimension must be even, but dimension ", dim, " is size ", n);
  dispatch_floating(a.dtype(), "glu_cpu", []<typename T>() {});
  Tensor out;
  {
    AutoGradMode no_grad(false);
    Tensor first = slice(a, dim, 0, n / 2, 1), second = slice(a, dim, n / 2, n, 1);
    out = contiguous(mul(first, sigmoid(second)));
  }
  if (auto node = make_node<GluBackward0>({&a})) {
    node->dim = dim;
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor prelu(const Tensor& a, const Tensor& weight) {
  BIBUN_CHECK(a.dim() > 0 || weight.numel() == 1, "Not allow zero-dim input tensor.");
  BIBUN_CHECK(weight.dim() <= 1, "prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = ",
              weight.dim());
  const int64_t channels = a.dim() >= 2 ? a.sizes()[1] : 1;
  BIBUN_CHECK(weight.numel() == 1 || weight.numel() == channels,
              "Mismatch of parameter numbers and input channel size. Found parameter numbers = ", weight.numel(),
              " and channel size = ", channels, ".");
  dispatch_floating(a.dtype(), "prelu_cpu", []<typename T>() {});
  Tensor out;
  {
    AutoGradMode no_grad(false);
    Tensor w = prelu_weight_view(weight, a.dim());
    Tensor positive = compare(static_cast<int>(kernels::BinaryOp::Gt), a, wrapped_scalar(Scalar(0.0)));
    out = contiguous(where(positive, a, mul(w, a)));
  }
  if (auto node = make_node<PreluKernelBackward0>({&a, &weight})) {
    node->save(kSelf, a);
    node->save(kOther, weight);
    set_history(out, node);
  }
  return out;
}

Tensor prelu_weight_view(const Tensor& weight, int64_t input_dim) {
  if (weight.numel() == 1) return weight.dim() == 0 ? weight : reshape(weight, {});
  if (input_dim < 2) return weight;
  DimVector shape(input_dim - 1, 1);
  shape[0] = weight.numel();
  return reshape(weight, shape);
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(condition.dtype() == ScalarType::Bool, "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              c_type_name(condition.dtype()));
  ScalarType dtype = result_type(a, b);
  DimVector shape = kernels::broadcast_shapes(condition.sizes(), kernels::broadcast_shapes(a.sizes(), b.sizes()));
  Tensor out = empty_elementwise(shape, dtype, {&condition, &a, &b}, dtype);  // ops/output_layout.h
  kernels::where(out, condition, cast_data(a, dtype), cast_data(b, dtype));
  if (auto node = make_node<WhereBackward0>({&a, &b})) {
    node->save(kExtra, condition);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
