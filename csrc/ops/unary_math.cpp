// The unary math ops: check -> kernel (kernels/unary_math.cpp) -> record the node
// (formulas/unary_math.cpp). In-place twins follow Note [In-place rebase]: a formula that
// needs the input saves a recorded clone of it before the write; one that needs the result
// saves `self` after the write.
#include "ops/unary_math.h"

#include <type_traits>

#include "autograd/formulas/unary_math_nodes.h"
#include "kernels/unary_math.h"
#include "ops/common.h"
#include "ops/output_layout.h"

namespace bibun::ops {

using kernels::MathOp;
using kernels::UnaryOp;

namespace {

constexpr size_t kNoSave = FormulaNode::kMaxSaved;  // the formula needs no tensor

// self = kernel(self) computed in `dtype` (which check_inplace_write allowed to cast back).
template <typename K>
void write_into(Tensor& self, ScalarType dtype, K&& kernel) {
  if (dtype == self.dtype()) {
    kernel(self, self);
    return;
  }
  Tensor tmp = empty(self.sizes(), dtype);
  kernel(tmp, cast_data(self, dtype));
  kernels::copy(self, tmp);
}

struct NoSetup {
  void operator()(FormulaNode&) const {}
};

// out = kernel(a) in `dtype`, recording N saving `slot` (kSelf, kResult or kNoSave).
template <typename N, typename K, typename S = NoSetup>
Tensor unary_op(const Tensor& a, ScalarType dtype, K&& kernel, size_t slot, S setup = {}) {
  Tensor out = empty_elementwise(a.sizes(), dtype, {&a}, dtype);
  kernel(out, cast_data(a, dtype));
  if (auto node = make_node<N>({&a})) {
    setup(*node);
    if (slot == kSelf) node->save(kSelf, a);
    set_history(out, node);
    if (slot == kResult) node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

template <typename N, typename K, typename S = NoSetup>
Tensor& unary_op_(Tensor& self, ScalarType dtype, K&& kernel, size_t slot, S setup = {}) {
  check_inplace_write(self, {}, dtype);
  auto node = make_node<N>({&self});
  if (node) {
    setup(*node);
    if (slot == kSelf) node->save(kSelf, clone(self));  // the old value, with its history
  }
  write_into(self, dtype, kernel);
  rebase_history(self, node);
  if (node && slot == kResult) node->save(kResult, self, /*is_output=*/true);
  return self;
}

auto math_kernel(MathOp op) {
  return [op](const Tensor& out, const Tensor& in) { kernels::unary_math(op, out, in); };
}
auto old_kernel(UnaryOp op) {
  return [op](const Tensor& out, const Tensor& in) { kernels::unary(op, out, in); };
}

ScalarType square_type(const Tensor& a) {
  return a.dtype() == ScalarType::Bool ? ScalarType::Int64 : a.dtype();  // as pow(a, 2)
}

}  // namespace

// name, node, in-place node, kernel op, dtype rule (F: default float for non-floats, K: keep), saved slot.
// PyTorch has no derivative for asinh_/acosh_/atanh_: their nodes raise in backward.
#define BIBUN_MATH_TABLE(_)                          \
  _(exp2, Exp2Backward0, Exp2Backward0, Exp2, F, kResult) \
  _(expm1, Expm1Backward0, Expm1Backward0, Expm1, F, kResult) \
  _(log2, Log2Backward0, Log2Backward0, Log2, F, kSelf) \
  _(log10, Log10Backward0, Log10Backward0, Log10, F, kSelf) \
  _(log1p, Log1PBackward0, Log1PBackward0, Log1p, F, kSelf) \
  _(rsqrt, RsqrtBackward0, RsqrtBackward0, Rsqrt, F, kResult) \
  _(sin, SinBackward0, SinBackward0, Sin, F, kSelf) \
  _(cos, CosBackward0, CosBackward0, Cos, F, kSelf) \
  _(tan, TanBackward0, TanBackward0, Tan, F, kResult) \
  _(asin, AsinBackward0, AsinBackward0, Asin, F, kSelf) \
  _(acos, AcosBackward0, AcosBackward0, Acos, F, kSelf) \
  _(atan, AtanBackward0, AtanBackward0, Atan, F, kSelf) \
  _(sinh, SinhBackward0, SinhBackward0, Sinh, F, kSelf) \
  _(cosh, CoshBackward0, CoshBackward0, Cosh, F, kSelf) \
  _(tanh, TanhBackward0, TanhBackward0, Tanh, F, kResult) \
  _(asinh, AsinhBackward0, AsinhBackward1, Asinh, F, kSelf) \
  _(acosh, AcoshBackward0, AcoshBackward1, Acosh, F, kSelf) \
  _(atanh, AtanhBackward0, AtanhBackward1, Atanh, F, kSelf) \
  _(erf, ErfBackward0, ErfBackward0, Erf, F, kSelf) \
  _(erfc, ErfcBackward0, ErfcBackward0, Erfc, F, kSelf) \
  _(erfinv, ErfinvBackward0, ErfinvBackward0, Erfinv, F, kResult) \
  _(floor, FloorBackward0, FloorBackward0, Floor, K, kNoSave) \
  _(ceil, CeilBackward0, CeilBackward0, Ceil, K, kNoSave) \
  _(trunc, TruncBackward0, TruncBackward0, Trunc, K, kNoSave) \
  _(frac, FracBackward0, FracBackward0, Frac, K, kNoSave)

#define BIBUN_DTYPE_F(t) float_type_for(t)
#define BIBUN_DTYPE_K(t) (t).dtype()
#define BIBUN_DEFINE_MATH(name, Node, InplaceNode, Op, rule, slot)                                    \
  Tensor name(const Tensor& a) {                                                                      \
    return unary_op<Node>(a, BIBUN_DTYPE_##rule(a), math_kernel(MathOp::Op), slot);                   \
  }                                                                                                   \
  Tensor& name##_(Tensor& self) {                                                                     \
    constexpr bool no_formula = !std::is_same_v<Node, InplaceNode>;                                   \
    return unary_op_<InplaceNode>(self, BIBUN_DTYPE_##rule(self), math_kernel(MathOp::Op),           \
                                  no_formula ? kNoSave : slot);                                       \
  }
BIBUN_MATH_TABLE(BIBUN_DEFINE_MATH)
#undef BIBUN_DEFINE_MATH

// In-place twins of the ops of arithmetic.cpp.
#define BIBUN_OLD_TABLE(_)                                   \
  _(exp, ExpBackward0, Exp, F, kResult)                      \
  _(log, LogBackward0, Log, F, kSelf)                        \
  _(sqrt, SqrtBackward0, Sqrt, F, kResult)                   \
  _(reciprocal, ReciprocalBackward0, Reciprocal, F, kResult) \
  _(sigmoid, SigmoidBackward0, Sigmoid, F, kResult)          \
  _(neg, NegBackward0, Neg, K, kNoSave)                      \
  _(sign, SignBackward0, Sign, K, kNoSave)
#define BIBUN_DEFINE_OLD_(name, Node, Op, rule, slot)                                       \
  Tensor& name##_(Tensor& self) {                                                           \
    return unary_op_<Node>(self, BIBUN_DTYPE_##rule(self), old_kernel(UnaryOp::Op), slot); \
  }
BIBUN_OLD_TABLE(BIBUN_DEFINE_OLD_)
#undef BIBUN_DEFINE_OLD_
#undef BIBUN_DTYPE_F
#undef BIBUN_DTYPE_K

Tensor& abs_(Tensor& self) {
  BIBUN_CHECK_T(NotImplementedError, self.dtype() != ScalarType::Bool, "\"abs_cpu\" not implemented for 'Bool'");
  return unary_op_<AbsBackward0>(self, self.dtype(), old_kernel(UnaryOp::Abs), kSelf);
}

// square is pow(a, 2), recorded as PowBackward0 as in PyTorch.
Tensor square(const Tensor& a) { return pow(a, Scalar(int64_t{2})); }
Tensor& square_(Tensor& self) {
  const Scalar two(int64_t{2});
  return unary_op_<PowBackward0>(
      self, square_type(self), [&](const Tensor& out, const Tensor& in) { kernels::pow_scalar(out, in, two); }, kSelf,
      [&](PowBackward0& n) { n.exponent = two; });
}

Tensor round(const Tensor& a, int64_t decimals) {
  if (decimals == 0) return unary_op<RoundBackward0>(a, a.dtype(), math_kernel(MathOp::Round), kNoSave);
  auto kernel = [decimals](const Tensor& out, const Tensor& in) { kernels::round_decimals(out, in, decimals); };
  return unary_op<RoundBackward1>(a, a.dtype(), kernel, kNoSave);
}
Tensor& round_(Tensor& self, int64_t decimals) {
  if (decimals == 0) return unary_op_<RoundBackward0>(self, self.dtype(), math_kernel(MathOp::Round), kNoSave);
  auto kernel = [decimals](const Tensor& out, const Tensor& in) { kernels::round_decimals(out, in, decimals); };
  return unary_op_<RoundBackward1>(self, self.dtype(), kernel, kNoSave);
}

Tensor logit(const Tensor& a, std::optional<double> eps) {
  auto kernel = [eps](const Tensor& out, const Tensor& in) { kernels::logit(out, in, eps); };
  return unary_op<LogitBackward0>(a, float_type_for(a), kernel, kSelf, [eps](LogitBackward0& n) { n.eps = eps; });
}
Tensor& logit_(Tensor& self, std::optional<double> eps) {
  auto kernel = [eps](const Tensor& out, const Tensor& in) { kernels::logit(out, in, eps); };
  return unary_op_<LogitBackward0>(self, float_type_for(self), kernel, kSelf,
                                   [eps](LogitBackward0& n) { n.eps = eps; });
}

namespace {

void check_some_bound(bool some) {
  BIBUN_CHECK(some, "torch.clamp: At least one of 'min' or 'max' must not be None");
}

// The dtype of clamp: a promoted with each given bound.
ScalarType clamp_type(const Tensor& a, const Tensor& lo, const Tensor& hi) {
  if (!lo.defined()) return result_type(a, hi);
  if (!hi.defined()) return result_type(a, lo);
  return promote_types(result_type(a, lo), result_type(a, hi));
}

Tensor wrap(const std::optional<Scalar>& s) { return s ? wrapped_scalar(*s) : Tensor(); }
Tensor cast_bound(const Tensor& t, ScalarType dtype) { return t.defined() ? cast_data(t, dtype) : Tensor(); }

// PyTorch's clamp with both tensor bounds has no bool kernel (one bound alone has).
ScalarType tensor_clamp_type(const Tensor& a, const Tensor& lo, const Tensor& hi) {
  ScalarType dtype = clamp_type(a, lo, hi);
  BIBUN_CHECK_T(NotImplementedError, !(dtype == ScalarType::Bool && lo.defined() && hi.defined()),
                "\"clamp_cpu\" not implemented for 'Bool'");
  return dtype;
}

ScalarType scalar_clamp_type(const Tensor& a, const Tensor& lo, const Tensor& hi) {
  ScalarType dtype = clamp_type(a, lo, hi);
  BIBUN_CHECK_T(NotImplementedError, dtype != ScalarType::Bool, "\"clamp_scalar_cpu\" not implemented for 'Bool'");
  return dtype;
}

}  // namespace

Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max) {
  check_some_bound(min || max);
  Tensor lo = wrap(min), hi = wrap(max);
  ScalarType dtype = scalar_clamp_type(a, lo, hi);
  auto kernel = [&](const Tensor& out, const Tensor& in) {
    kernels::clamp(out, in, cast_bound(lo, dtype), cast_bound(hi, dtype));
  };
  return unary_op<ClampBackward1>(a, dtype, kernel, kSelf, [&](ClampBackward1& n) {
    n.min = min;
    n.max = max;
  });
}

Tensor& clamp_(Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  check_some_bound(min || max);
  Tensor lo = wrap(min), hi = wrap(max);
  ScalarType dtype = scalar_clamp_type(self, lo, hi);
  auto kernel = [&](const Tensor& out, const Tensor& in) {
    kernels::clamp(out, in, cast_bound(lo, dtype), cast_bound(hi, dtype));
  };
  return unary_op_<ClampBackward1>(self, dtype, kernel, kSelf, [&](ClampBackward1& n) {
    n.min = min;
    n.max = max;
  });
}

Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max) {
  check_some_bound(min.defined() || max.defined());
  ScalarType dtype = tensor_clamp_type(a, min, max);
  DimVector shape = a.sizes();
  if (min.defined()) shape = kernels::broadcast_shapes(shape, min.sizes());
  if (max.defined()) shape = kernels::broadcast_shapes(shape, max.sizes());
  Tensor out = empty_elementwise(shape, dtype, {&a, &min, &max}, dtype);
  kernels::clamp(out, cast_data(a, dtype), cast_bound(min, dtype), cast_bound(max, dtype));
  if (auto node = make_node<ClampBackward0>({&a, &min, &max})) {
    node->save(kSelf, a);
    node->save(kOther, min);
    node->save(kExtra, max);
    set_history(out, node);
  }
  return out;
}

Tensor& clamp_(Tensor& self, const Tensor& min, const Tensor& max) {
  check_some_bound(min.defined() || max.defined());
  ScalarType dtype = tensor_clamp_type(self, min, max);
  check_inplace_write(self, {&min, &max}, dtype);
  auto node = make_node<ClampBackward0>({&self, &min, &max});
  if (node) {
    node->save(kSelf, clone(self));
    node->save(kOther, min);
    node->save(kExtra, max);
  }
  write_into(self, dtype, [&](const Tensor& out, const Tensor& in) {
    kernels::clamp(out, in, cast_bound(min, dtype), cast_bound(max, dtype));
  });
  rebase_history(self, node);
  return self;
}

Tensor nan_to_num(const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  auto kernel = [&](const Tensor& out, const Tensor& in) {
    kernels::nan_to_num(out, in, nan.value_or(0.0), posinf, neginf);
  };
  return unary_op<NanToNumBackward0>(a, a.dtype(), kernel, kSelf);
}

Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  auto kernel = [&](const Tensor& out, const Tensor& in) {
    kernels::nan_to_num(out, in, nan.value_or(0.0), posinf, neginf);
  };
  return unary_op_<NanToNumBackward0>(self, self.dtype(), kernel, kSelf);
}

}  // namespace bibun::ops
