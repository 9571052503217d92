// Ops filling PyTorch API gaps whose PyTorch graph is one fused node: clamp_min/clamp_max
// (+ in place), rsub of two tensors, logaddexp, sinc, dist, logcumsumexp (ops/api_gaps.cpp).
#pragma once
#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

// clamp_min/clamp_max with a number bound (ClampMinBackward0/ClampMaxBackward0) or a tensor
// bound broadcast with `a` (ClampMinBackward1/ClampMaxBackward1).
Tensor clamp_min(const Tensor& a, Scalar min);
Tensor clamp_min(const Tensor& a, const Tensor& min);
Tensor clamp_max(const Tensor& a, Scalar max);
Tensor clamp_max(const Tensor& a, const Tensor& max);
Tensor& clamp_min_(Tensor& self, Scalar min);
Tensor& clamp_min_(Tensor& self, const Tensor& min);
Tensor& clamp_max_(Tensor& self, Scalar max);
Tensor& clamp_max_(Tensor& self, const Tensor& max);
// other - alpha * a, both tensors (RsubBackward0).
Tensor rsub_tensor(const Tensor& a, const Tensor& other, Scalar alpha);
// log(exp(a) + exp(b)), floating (LogaddexpBackward0).
Tensor logaddexp(const Tensor& a, const Tensor& b);
// sin(pi x) / (pi x), 1 at 0 (SincBackward0).
Tensor sinc(const Tensor& a);
Tensor& sinc_(Tensor& self);
// The p-norm of a - b over all elements (DistBackward0).
Tensor dist(const Tensor& a, const Tensor& b, double p);
// Pairwise p-norm distances (..., P, R) of the rows of x1 (..., P, M) and x2 (..., R, M), batch dims
// broadcast (CdistBackward0); computed row difference by row difference.
Tensor cdist(const Tensor& x1, const Tensor& x2, double p);
// log(cumsum(exp(a))) along dim, computed as a running log-add-exp (LogcumsumexpBackward0).
Tensor logcumsumexp(const Tensor& a, int64_t dim);

// heaviside: 0 where a < 0, values where a == 0, 1 where a > 0 (torch::autograd::NotImplemented).
Tensor heaviside(const Tensor& a, const Tensor& values);
Tensor& heaviside_(Tensor& self, const Tensor& values);
// Records normal's node on `out`, a sample drawn for `mean` and/or `std` (either may be undefined).
void record_normal(const Tensor& out, const Tensor& mean, const Tensor& std);
// Records bernoulli's node on `out`, a sample drawn for `input`: BernoulliBackward0 for the
// probabilities form, torch::autograd::NotImplemented for bernoulli(input, p).
void record_bernoulli(const Tensor& out, const Tensor& input, bool with_p);

}  // namespace bibun::ops
