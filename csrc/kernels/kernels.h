// Numeric loops over tensors. Kernels write into outputs the caller allocated and know
// nothing of autograd. Operands of one kernel share a dtype unless stated otherwise.
#pragma once
#include <cstdint>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::kernels {

// The broadcast shape of a and b, with PyTorch's error text.
DimVector broadcast_shapes(const DimVector& a, const DimVector& b);

enum class UnaryOp { Neg, Exp, Log, Sigmoid, LogSigmoid, Abs, Sign, Sqrt, Reciprocal, LogicalNot };
enum class BinaryOp { Add, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge };

// out = op(a); out may alias a.
void unary(UnaryOp op, const Tensor& out, const Tensor& a);
// out = op(a, b) with broadcasting; for Add/Sub, b is scaled by alpha. Comparisons write a
// bool `out` and compute in a's dtype (b's must match); arithmetic computes in out's dtype, and
// an input of another dtype must hold one element (Note [Scalar operands]). out may alias a.
void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha = Scalar(int64_t{1}));
// out = a ** exponent.
void pow_scalar(const Tensor& out, const Tensor& a, Scalar exponent);
// out = condition ? value : a  (mask is bool, broadcast to out).
void masked_fill(const Tensor& out, const Tensor& a, const Tensor& mask, Scalar value);

// out = condition ? a : b (all broadcast to out; a and b share out's dtype).
void where(const Tensor& out, const Tensor& condition, const Tensor& a, const Tensor& b);
// out = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)).
void celu(const Tensor& out, const Tensor& a, double alpha);

// dst[...] = src[...] with broadcasting of src and conversion between any dtypes.
void copy(const Tensor& dst, const Tensor& src);
void fill(const Tensor& dst, Scalar value);

enum class ReduceOp { Sum, All, Any, Max, Min, NormP, NormInf, NormNegInf, Norm0 };
// Reduces `in` over `dims` into `out`, which has `in`'s shape with reduced dims of size 1
// (keepdim layout; callers squeeze). Sum accumulates in double / int64.
void reduce(ReduceOp op, const Tensor& out, const Tensor& in, const DimVector& dims, double p = 2.0);

// out (m x n) = a (m x k) @ b (k x n), on BLAS for floats.
void mm(const Tensor& out, const Tensor& a, const Tensor& b);

// Elementwise loss of binary_cross_entropy_with_logits (pos_weight may be undefined).
void bce_with_logits(const Tensor& out, const Tensor& input, const Tensor& target, const Tensor& pos_weight);

// Standard normal samples from bibun's generator.
void randn(const Tensor& out);
void manual_seed(uint64_t seed);
uint64_t initial_seed();

void set_num_threads(int n);
int get_num_threads();

}  // namespace bibun::kernels
