// Batched BLAS products (matmul.cpp) and LAPACK factorizations (lapack.cpp) of the linear algebra,
// on scipy-openblas32's BLAS/LAPACK (symbols prefixed scipy_, 32-bit indices). Float32/float64 go
// to OpenBLAS; the products also take integer and bool dtypes (plain loops).
#pragma once
#include <vector>

#include "tensor/error.h"
#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun {

// A singular or not positive-definite input: Python's bibun.linalg.LinAlgError (a RuntimeError),
// as PyTorch's torch.linalg.LinAlgError.
class LinAlgError : public Error {
 public:
  using Error::Error;
};

}  // namespace bibun

namespace bibun::kernels {

// out[i] = beta * out[i] + alpha * a[i] @ b[i] for i < B. out is (B, m, n) contiguous, a (B, m, k)
// and b (B, k, n) have any strides (a matrix with a unit stride goes to BLAS as it is). With
// beta == 0 out is only written (NaN in it does not propagate), as in BLAS and PyTorch.
void gemm_batched(const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha, Scalar beta);

// The LAPACK kernels work in place on a batch of B square n x n matrices stored column-major,
// one after the other (strides {n*n, 1, n} once viewed as (B, n, n)), and return LAPACK's info
// per matrix (0: success; k > 0: the k-th pivot / leading minor failed).
std::vector<int> lu_factor(const Tensor& a, std::vector<int>& pivots);                // getrf
std::vector<int> lu_inverse(const Tensor& lu, const std::vector<int>& pivots);        // getri
// Solves A X = B with A's LU; b is a batch of n x k column-major matrices, overwritten with X.
void lu_solve(const Tensor& lu, const std::vector<int>& pivots, const Tensor& b, int64_t k);  // getrs
// Lower Cholesky factor (potrf 'L'); the strict upper triangle is zeroed.
std::vector<int> cholesky(const Tensor& a);
// Singular value decomposition (gesdd) of a batch of column-major m x n matrices, k = min(m, n):
// s a batch of k values (descending); with jobz 'S' u (m x k) and vt (k x n), with 'A' u (m x m)
// and vt (n x n), both column-major batches; with 'N' only s (u and vt are not touched). `a` is
// destroyed. Returns LAPACK's info per matrix (-4: a NaN entry; > 0: no convergence).
std::vector<int> svd(const Tensor& a, const Tensor& u, const Tensor& s, const Tensor& vt, char jobz = 'S');

}  // namespace bibun::kernels
