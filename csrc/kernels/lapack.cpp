// LAPACK factorizations on scipy-openblas32 (Fortran symbols with the scipy_ prefix, 32-bit
// indices), batch by batch over column-major n x n matrices (kernels/lapack.h).
#include "kernels/lapack.h"

#include <algorithm>
#include <climits>
#include <cstddef>
#include <type_traits>

#include "kernels/kernels.h"

extern "C" {
// Trailing size_t arguments are the hidden lengths of Fortran character arguments.
void scipy_sgetrf_(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void scipy_dgetrf_(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void scipy_sgetri_(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork, int* info);
void scipy_dgetri_(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork,
                   int* info);
void scipy_sgetrs_(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda, const int* ipiv,
                   float* b, const int* ldb, int* info, size_t);
void scipy_dgetrs_(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda,
                   const int* ipiv, double* b, const int* ldb, int* info, size_t);
void scipy_spotrf_(const char* uplo, const int* n, float* a, const int* lda, int* info, size_t);
void scipy_dpotrf_(const char* uplo, const int* n, double* a, const int* lda, int* info, size_t);
void scipy_sgesdd_(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u,
                   const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork, int* iwork, int* info,
                   size_t);
void scipy_dgesdd_(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
                   const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork,
                   int* info, size_t);
}

namespace bibun::kernels {

namespace {

template <typename T>
void getrf(int n, T* a, int* ipiv, int* info) {
  int lda = std::max(n, 1);
  if constexpr (std::is_same_v<T, float>) scipy_sgetrf_(&n, &n, a, &lda, ipiv, info);
  else scipy_dgetrf_(&n, &n, a, &lda, ipiv, info);
}

template <typename T>
void getri(int n, T* a, const int* ipiv, T* work, int lwork, int* info) {
  int lda = std::max(n, 1);
  if constexpr (std::is_same_v<T, float>) scipy_sgetri_(&n, a, &lda, ipiv, work, &lwork, info);
  else scipy_dgetri_(&n, a, &lda, ipiv, work, &lwork, info);
}

template <typename T>
void getrs(int n, int nrhs, const T* a, const int* ipiv, T* b, int* info) {
  int lda = std::max(n, 1);
  char trans = 'N';
  if constexpr (std::is_same_v<T, float>) scipy_sgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &lda, info, 1);
  else scipy_dgetrs_(&trans, &n, &nrhs, a, &lda, ipiv, b, &lda, info, 1);
}

template <typename T>
void potrf(int n, T* a, int* info) {
  int lda = std::max(n, 1);
  char uplo = 'L';
  if constexpr (std::is_same_v<T, float>) scipy_spotrf_(&uplo, &n, a, &lda, info, 1);
  else scipy_dpotrf_(&uplo, &n, a, &lda, info, 1);
}

template <typename T>
void gesdd(char jobz, int m, int n, T* a, T* s, T* u, T* vt, T* work, int lwork, int* iwork, int* info) {
  const int ldvt = std::max(jobz == 'A' ? n : std::min(m, n), 1);
  int lda = std::max(m, 1), ldu = std::max(m, 1);
  if constexpr (std::is_same_v<T, float>)
    scipy_sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
  else scipy_dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}

// The batch count and order n of a (*, n, n) tensor.
std::pair<int64_t, int> batch_and_order(const Tensor& a) {
  int64_t n = a.sizes()[a.dim() - 1];
  BIBUN_CHECK(n <= INT_MAX, "matrix dimensions exceed LAPACK's 32-bit indices");
  return {n == 0 ? 0 : a.numel() / (n * n), static_cast<int>(n)};
}

template <typename F>
void dispatch_lapack(ScalarType t, F&& f) {
  if (t == ScalarType::Float32) f.template operator()<float>();
  else if (t == ScalarType::Float64) f.template operator()<double>();
  else throw Error("LAPACK kernels take float32 or float64 only");
}

}  // namespace

std::vector<int> lu_factor(const Tensor& a, std::vector<int>& pivots) {
  auto [batches, n] = batch_and_order(a);
  std::vector<int> info(batches, 0);
  pivots.assign(batches * n, 0);
  dispatch_lapack(a.dtype(), [&]<typename T>() {
    T* d = a.data<T>();
    for (int64_t i = 0; i < batches; ++i) getrf<T>(n, d + i * n * n, pivots.data() + i * n, &info[i]);
  });
  return info;
}

std::vector<int> lu_inverse(const Tensor& lu, const std::vector<int>& pivots) {
  auto [batches, n] = batch_and_order(lu);
  std::vector<int> info(batches, 0);
  dispatch_lapack(lu.dtype(), [&]<typename T>() {
    T* d = lu.data<T>();
    T query{};
    int q = 0;
    getri<T>(n, d, pivots.data(), &query, -1, &q);
    int lwork = std::max(static_cast<int>(query), std::max(n, 1));
    std::vector<T> work(lwork);
    for (int64_t i = 0; i < batches; ++i)
      getri<T>(n, d + i * n * n, pivots.data() + i * n, work.data(), lwork, &info[i]);
  });
  return info;
}

void lu_solve(const Tensor& lu, const std::vector<int>& pivots, const Tensor& b, int64_t k) {
  auto [batches, n] = batch_and_order(lu);
  BIBUN_CHECK(k <= INT_MAX, "matrix dimensions exceed LAPACK's 32-bit indices");
  if (k == 0 || n == 0) return;
  dispatch_lapack(lu.dtype(), [&]<typename T>() {
    const T* d = lu.data<T>();
    T* x = b.data<T>();
    int info = 0;
    for (int64_t i = 0; i < batches; ++i)
      getrs<T>(n, static_cast<int>(k), d + i * n * n, pivots.data() + i * n, x + i * n * k, &info);
  });
}

std::vector<int> cholesky(const Tensor& a) {
  auto [batches, n] = batch_and_order(a);
  std::vector<int> info(batches, 0);
  dispatch_lapack(a.dtype(), [&]<typename T>() {
    T* d = a.data<T>();
    for (int64_t i = 0; i < batches; ++i) {
      T* m = d + i * n * n;
      potrf<T>(n, m, &info[i]);
      for (int c = 1; c < n; ++c)  // column c, rows above the diagonal
        std::fill(m + static_cast<int64_t>(c) * n, m + static_cast<int64_t>(c) * n + c, T(0));
    }
  });
  return info;
}

std::vector<int> svd(const Tensor& a, const Tensor& u, const Tensor& s, const Tensor& vt, char jobz) {
  const int64_t m64 = a.sizes()[a.dim() - 2], n64 = a.sizes()[a.dim() - 1];
  BIBUN_CHECK(m64 <= INT_MAX && n64 <= INT_MAX, "matrix dimensions exceed LAPACK's 32-bit indices");
  const int m = static_cast<int>(m64), n = static_cast<int>(n64), k = std::min(m, n);
  if (k == 0) return {};
  const int64_t batches = a.numel() / (m64 * n64);
  // Columns of U and rows of Vt per matrix: k for 'S', m and n for 'A'; none for 'N'.
  const int64_t u_cols = jobz == 'A' ? m : (jobz == 'S' ? k : 0), vt_rows = jobz == 'A' ? n : (jobz == 'S' ? k : 0);
  std::vector<int> info(batches, 0);
  dispatch_lapack(a.dtype(), [&]<typename T>() {
    T *d = a.data<T>(), *sd = s.data<T>();
    T* ud = u_cols ? u.data<T>() : nullptr;
    T* vd = vt_rows ? vt.data<T>() : nullptr;
    T dummy[1] = {};
    std::vector<int> iwork(8 * static_cast<size_t>(k));
    T query{};
    int q = 0;
    gesdd<T>(jobz, m, n, d, sd, ud ? ud : dummy, vd ? vd : dummy, &query, -1, iwork.data(), &q);
    int lwork = std::max(static_cast<int>(query), 1);
    std::vector<T> work(lwork);
    for (int64_t i = 0; i < batches; ++i)
      gesdd<T>(jobz, m, n, d + i * m64 * n64, sd + i * k, ud ? ud + i * m64 * u_cols : dummy,
               vd ? vd + i * vt_rows * n64 : dummy, work.data(), lwork, iwork.data(), &info[i]);
  });
  return info;
}

}  // namespace bibun::kernels
