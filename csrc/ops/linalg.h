// The linear algebra beyond ops.h's matmul/mm/mv/dot: batched products with their scaled-sum
// forms, vdot, cross, and the LAPACK ops (det, inv, solve, cholesky) with their derivatives.
#pragma once
#include <tuple>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

Tensor bmm(const Tensor& a, const Tensor& b);
// beta * self + alpha * (a @ b), self broadcast to the product's shape.
Tensor baddbmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor addbmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor addmm(const Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor addmv(const Tensor& self, const Tensor& mat, const Tensor& vec, Scalar beta, Scalar alpha);
// In-place twins: self must already have the product's shape.
Tensor& addmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor& addmv_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor& baddbmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor& addbmm_(Tensor& self, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha);
Tensor vdot(const Tensor& a, const Tensor& b);
Tensor linalg_cross(const Tensor& a, const Tensor& b, int64_t dim);
// A reshape of a contiguous fresh result that is not a view (UnsafeViewBackward0), as matmul ends.
Tensor unsafe_view(const Tensor& a, const DimVector& sizes);

Tensor linalg_det(const Tensor& a);
Tensor linalg_inv(const Tensor& a);
// X with A X = B, or X A = B when !left (B a vector or a batch of them, or matrices; batches broadcast).
Tensor linalg_solve(const Tensor& a, const Tensor& b, bool left = true);
Tensor linalg_cholesky(const Tensor& a, bool upper);
// A = U diag(S) Vh for each matrix of a (*, m, n) batch (LAPACK gesdd), S descending: U (*, m, m)
// and Vh (*, n, n) with full_matrices, else (*, m, k) and (*, k, n), k = min(m, n). Without
// compute_uv only S is computed (U and Vh are empty) and nothing is recorded.
std::tuple<Tensor, Tensor, Tensor> linalg_svd(const Tensor& a, bool full_matrices, bool compute_uv = true);
// The singular values of linalg_svd; computed with the vectors (and recorded) when A requires grad.
Tensor linalg_svdvals(const Tensor& a);
// torch.cholesky (deprecated there): the same factor, recorded as CholeskyBackward0.
Tensor cholesky(const Tensor& a, bool upper);

// Backward helpers (formulas/linalg.cpp): the Cholesky factor's gradient (recorded ops), and the
// cofactor matrices det(A) A^-T of possibly singular matrices from an SVD (unrecorded).
Tensor cholesky_backward(const Tensor& grad, const Tensor& factor, bool upper);
Tensor det_cofactors_svd(const Tensor& a);
// The gradient of A from those of a thin SVD's outputs (any of them undefined), recorded ops
// (Note [SVD backward] in ops/linalg.cpp).
Tensor svd_backward(const Tensor& gU, const Tensor& gS, const Tensor& gVh, const Tensor& U, const Tensor& S,
                    const Tensor& Vh);

}  // namespace bibun::ops
