// The unary math ops of issue 4 (ops/unary_math.cpp): out-of-place and in-place forms.
// Float ops compute integers and bools in the default float dtype; floor/ceil/round/trunc
// keep integers; abs/neg/sign/square/clamp keep the dtype (square of bool gives int64).
#pragma once
#include <optional>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

// Ops taking only the tensor. BIBUN_UNARY_MATH_NEW are defined in unary_math.cpp; the
// out-of-place forms of BIBUN_UNARY_MATH_OLD live in arithmetic.cpp (ops.h), their in-place
// twins here.
#define BIBUN_UNARY_MATH_NEW(_)                                                                                  \
  _(exp2) _(expm1) _(log2) _(log10) _(log1p) _(rsqrt) _(square) _(sin) _(cos) _(tan) _(asin) _(acos) _(atan) \
  _(sinh) _(cosh) _(tanh) _(asinh) _(acosh) _(atanh) _(erf) _(erfc) _(erfinv) _(floor) _(ceil) _(trunc) _(frac)
#define BIBUN_UNARY_MATH_OLD(_) _(abs) _(neg) _(sign) _(exp) _(log) _(sqrt) _(reciprocal) _(sigmoid)

#define BIBUN_DECLARE_UNARY(name) Tensor name(const Tensor& a);
#define BIBUN_DECLARE_UNARY_(name) Tensor& name##_(Tensor& self);
BIBUN_UNARY_MATH_NEW(BIBUN_DECLARE_UNARY)
BIBUN_UNARY_MATH_NEW(BIBUN_DECLARE_UNARY_)
BIBUN_UNARY_MATH_OLD(BIBUN_DECLARE_UNARY_)
#undef BIBUN_DECLARE_UNARY
#undef BIBUN_DECLARE_UNARY_

Tensor round(const Tensor& a, int64_t decimals);
Tensor& round_(Tensor& self, int64_t decimals);
Tensor logit(const Tensor& a, std::optional<double> eps);
Tensor& logit_(Tensor& self, std::optional<double> eps);
// clamp with number bounds (ClampBackward1); at least one must be given.
Tensor clamp(const Tensor& a, std::optional<Scalar> min, std::optional<Scalar> max);
Tensor& clamp_(Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max);
// clamp with tensor bounds, broadcast with `a` (ClampBackward0); undefined = no bound.
Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max);
Tensor& clamp_(Tensor& self, const Tensor& min, const Tensor& max);
Tensor nan_to_num(const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf);
Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf);
}  // namespace bibun::ops
