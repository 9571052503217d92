// The linear algebra beyond ops.h's matmul/mm/mv/dot: batched products with their scaled-sum
// forms, vdot, cross, and the LAPACK ops (det, inv, solve, cholesky) with their derivatives.
#pragma once
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
Tensor linalg_solve(const Tensor& a, const Tensor& b);
Tensor linalg_cholesky(const Tensor& a, bool upper);
// The singular values (descending) of each matrix of a (*, m, n) batch; first derivatives only.
Tensor linalg_svdvals(const Tensor& a);
// torch.cholesky (deprecated there): the same factor, recorded as CholeskyBackward0.
Tensor cholesky(const Tensor& a, bool upper);

// Backward helpers (formulas/linalg.cpp): the Cholesky factor's gradient (recorded ops), and the
// cofactor matrices det(A) A^-T of possibly singular matrices from an SVD (unrecorded).
Tensor cholesky_backward(const Tensor& grad, const Tensor& factor, bool upper);
Tensor det_cofactors_svd(const Tensor& a);

}  // namespace bibun::ops
