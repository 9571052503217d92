// The binary elementwise family (ops/binary.cpp): rounding division, remainders, atan2,
// maximum/minimum, fmax/fmin, hypot, lerp, addcmul/addcdiv, xlogy, in-place comparisons,
// isclose/allclose, logical and bitwise ops, float predicates. Operands broadcast and
// promote as in PyTorch; Python numbers arrive as wrapped scalars (ops::wrapped_scalar).
#pragma once
#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

// Default: the argument was not given (true division, DivBackward0); None: given as None (true
// division recorded as PyTorch's rounding_mode overload, DivBackward2).
enum class RoundingMode { Default, None, Trunc, Floor };

// div with rounding_mode (trunc/floor round the quotient and have zero gradients).
Tensor div(const Tensor& a, const Tensor& b, RoundingMode mode);
Tensor& div_(Tensor& self, const Tensor& other, RoundingMode mode);
// Division by a number as PyTorch's div.Scalar overload (used from C++, e.g. cross_entropy's mean
// over class-probability targets): records DivBackward1, saving the number.
Tensor div_scalar(const Tensor& a, Scalar b);
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor& floor_divide_(Tensor& self, const Tensor& other);
// A wrapped-number `b` records RemainderBackward0 / FmodBackward0, a tensor ...Backward1.
Tensor remainder(const Tensor& a, const Tensor& b);
Tensor& remainder_(Tensor& self, const Tensor& other);
Tensor fmod(const Tensor& a, const Tensor& b);
Tensor& fmod_(Tensor& self, const Tensor& other);
Tensor atan2(const Tensor& a, const Tensor& b);
Tensor& atan2_(Tensor& self, const Tensor& other);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor fmax(const Tensor& a, const Tensor& b);
Tensor fmin(const Tensor& a, const Tensor& b);
Tensor hypot(const Tensor& a, const Tensor& b);
Tensor& hypot_(Tensor& self, const Tensor& other);
// A wrapped-number `a` or `b` records XlogyBackward1 / XlogyBackward2.
Tensor xlogy(const Tensor& a, const Tensor& b);
Tensor& xlogy_(Tensor& self, const Tensor& other);
// In-place pow (PowBackward0 for a number exponent, PowBackward1 for a tensor).
Tensor& pow_(Tensor& self, const Tensor& exponent);

Tensor lerp(const Tensor& self, const Tensor& end, Scalar weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor& lerp_(Tensor& self, const Tensor& end, Scalar weight);
Tensor& lerp_(Tensor& self, const Tensor& end, const Tensor& weight);
Tensor addcmul(const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);
Tensor& addcmul_(Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);
Tensor addcdiv(const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);
Tensor& addcdiv_(Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value);

// self = (self <op> other) written in self's dtype; op is a kernels::BinaryOp comparison.
Tensor& compare_(int op, Tensor& self, const Tensor& other);
Tensor isclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);
bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan);

// op: kernels::BinaryMathOp LogicalAnd/Or/Xor or BitwiseAnd/Or/Xor.
Tensor logical(int op, const Tensor& a, const Tensor& b);
Tensor& logical_(int op, Tensor& self, const Tensor& other);
Tensor logical_not(const Tensor& a);
Tensor& logical_not_(Tensor& self);
Tensor bitwise(int op, const Tensor& a, const Tensor& b);
Tensor& bitwise_(int op, Tensor& self, const Tensor& other);
Tensor bitwise_not(const Tensor& a);
Tensor& bitwise_not_(Tensor& self);

// op: kernels::PredicateOp (isnan, isinf, isposinf, isneginf, isfinite).
Tensor predicate(int op, const Tensor& a);

}  // namespace bibun::ops
