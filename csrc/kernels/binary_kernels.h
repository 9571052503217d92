// Kernels of the binary elementwise family (ops/binary.cpp): rounding division, remainders,
// atan2, fmax/fmin, hypot, xlogy, logical and bitwise ops, float predicates, lerp,
// addcmul/addcdiv and isclose. Like kernels.h, they write into outputs the caller allocated.
#pragma once
#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::kernels {

enum class BinaryMathOp {
  DivTrunc, DivFloor, Remainder, Fmod, Atan2, Fmax, Fmin, Hypot, Xlogy,
  BitwiseAnd, BitwiseOr, BitwiseXor, LogicalAnd, LogicalOr, LogicalXor,
};

// out = op(a, b) with broadcasting; a, b and out share one dtype (the logical ops: bool).
// Float-only ops raise PyTorch's NotImplementedError on other dtypes, bitwise ops on floats.
// Integer division by zero must be checked by the caller (any_zero).
void binary_math(BinaryMathOp op, const Tensor& out, const Tensor& a, const Tensor& b);

// Whether any element of `a` is zero (integer division guard).
bool any_zero(const Tensor& a);

enum class PredicateOp { IsNan, IsInf, IsPosInf, IsNegInf, IsFinite };
// out (bool) = op(a), for every dtype (integers are finite).
void predicate(PredicateOp op, const Tensor& out, const Tensor& a);

// out = ~a (integers) or !a (bool); floats raise NotImplementedError.
void bitwise_not(const Tensor& out, const Tensor& a);

// out = a + w * (b - a), PyTorch's two-sided form; `w` is a tensor of a's dtype.
void lerp(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& w);
void lerp(const Tensor& out, const Tensor& a, const Tensor& b, Scalar w);

// out = self + value * t1 * t2 and self + value * t1 / t2 (all of out's dtype).
void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);
void addcdiv(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);

// out (bool) = |a - b| <= atol + rtol * |b| (or equal; NaNs equal when equal_nan).
void isclose(const Tensor& out, const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);

}  // namespace bibun::kernels
