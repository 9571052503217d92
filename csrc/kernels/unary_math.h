// Kernels of the unary math ops (issue 4): transcendental, rounding, clamp, nan_to_num.
// Like kernels.h, they write into outputs the caller allocated; out may alias the input.
#pragma once
#include <optional>

#include "tensor/tensor.h"

namespace bibun::kernels {

enum class MathOp {
  Exp2, Expm1, Log2, Log10, Log1p, Rsqrt, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh, Asinh, Acosh, Atanh,
  Erf, Erfc, Erfinv, Floor, Ceil, Round, Trunc, Frac,
};

// out = op(a) for floating a. Floor/Ceil/Round/Trunc copy integers unchanged; other dtypes
// raise PyTorch's NotImplementedError ("\"frac_cpu\" not implemented for 'Long'").
void unary_math(MathOp op, const Tensor& out, const Tensor& a);
// round(a * 10^d) / 10^d (for d < 0: round(a / 10^-d) * 10^-d), half to even.
void round_decimals(const Tensor& out, const Tensor& a, int64_t decimals);
// log(x / (1 - x)), x clamped to [eps, 1 - eps] when eps is given.
void logit(const Tensor& out, const Tensor& a, std::optional<double> eps);
// out = min(max(a, lo), hi) with broadcasting; lo or hi may be undefined (no bound). NaN in a
// or in a bound gives NaN. All operands share out's dtype.
void clamp(const Tensor& out, const Tensor& a, const Tensor& lo, const Tensor& hi);
// NaN -> nan, +inf -> posinf (default: the dtype's max), -inf -> neginf (default: lowest).
void nan_to_num(const Tensor& out, const Tensor& a, double nan, std::optional<double> posinf,
                std::optional<double> neginf);
// out (bool) = a is finite (true for every integer).
void isfinite(const Tensor& out, const Tensor& a);

}  // namespace bibun::kernels
