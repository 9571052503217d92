// Matrix multiply on OpenBLAS (scipy-openblas32: symbols carry a scipy_ prefix, 32-bit
// indices) for float32/float64; a plain loop for integer and bool dtypes.
#include <climits>
#include <algorithm>
#include <type_traits>

#include <cblas.h>

#include "kernels/kernels.h"
#include "kernels/lapack.h"
#include "kernels/parallel.h"

namespace bibun::kernels {

namespace {

// Note [One thread pool]
// OpenBLAS (a pthreads build) keeps its own worker threads, which spin for a while after each
// call; bibun's elementwise kernels run on OpenMP threads. On a machine with few cores the two
// pools spinning against each other made mid-sized steps (an MLP's mm, then relu, then mm)
// several times slower. So OpenBLAS always runs single-threaded, and bibun splits a large
// product into row or column blocks over its OpenMP threads itself: one pool, whose size is
// set_num_threads.
const bool kBlasSingleThreaded = (scipy_openblas_set_num_threads(1), true);

// Below this many multiply-adds a product runs on one thread (OpenBLAS's own threshold).
constexpr double kGemmParallelWork = 65536.0 * 4;

template <typename T>
void gemm_call(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta,
               T* c, int ldc) {
  auto cta = ta ? CblasTrans : CblasNoTrans, ctb = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    scipy_cblas_sgemm(CblasRowMajor, cta, ctb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else
    scipy_cblas_dgemm(CblasRowMajor, cta, ctb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// c (m x n, row-major, ldc) = alpha * op(a) @ op(b) + beta * c, split over OpenMP threads into
// blocks of rows of c (when m >= n) or of columns. op(a) is a's transpose when ta; a block of
// rows of op(a) then starts i0 columns into a's storage, else i0 rows.
template <typename T>
void gemm(bool ta, bool tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c,
          int ldc) {
  (void)kBlasSingleThreaded;
#ifdef _OPENMP
  const int threads = omp_get_max_threads();
  if (threads > 1 && !omp_in_parallel() && double(m) * n * k > kGemmParallelWork) {
    const bool by_rows = m >= n;
    const int extent = by_rows ? m : n;
    const int blocks = std::min(threads, std::max(1, extent / 16));
    if (blocks > 1) {
      // Blocks are multiples of 16 so every thread's panel stays aligned to the BLAS kernel.
      const int step = ((extent + blocks - 1) / blocks + 15) / 16 * 16;
#pragma omp parallel for num_threads(blocks) schedule(static, 1)
      for (int blk = 0; blk < blocks; ++blk) {
        const int lo = blk * step, hi = std::min(extent, lo + step);
        if (lo >= hi) continue;
        if (by_rows)
          gemm_call<T>(ta, tb, hi - lo, n, k, alpha, a + (ta ? lo : int64_t{lo} * lda), lda, b, ldb, beta,
                       c + int64_t{lo} * ldc, ldc);
        else
          gemm_call<T>(ta, tb, m, hi - lo, k, alpha, a, lda, b + (tb ? int64_t{lo} * ldb : lo), ldb, beta, c + lo,
                       ldc);
      }
      return;
    }
  }
#endif
  gemm_call<T>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// A matrix BLAS can read as it is: one of its strides is 1 (row- or column-major).
struct BlasMatrix {
  const void* data;
  bool transposed;  // column-major storage: BLAS sees its transpose
  int ld;
};

bool blas_readable(const Tensor& m) {
  int64_t rows = m.sizes()[0], cols = m.sizes()[1];
  int64_t s0 = m.strides()[0], s1 = m.strides()[1];
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(cols, 1) && s0 <= INT_MAX) return true;
  if ((s0 == 1 || rows == 1) && s1 >= std::max<int64_t>(rows, 1) && s1 <= INT_MAX) return true;
  return false;
}

BlasMatrix as_blas(const Tensor& m) {
  int64_t rows = m.sizes()[0], cols = m.sizes()[1];
  int64_t s0 = m.strides()[0], s1 = m.strides()[1];
  if ((s1 == 1 || cols == 1) && s0 >= std::max<int64_t>(cols, 1))
    return {m->data(), false, static_cast<int>(std::max<int64_t>(s0, 1))};
  (void)rows;
  return {m->data(), true, static_cast<int>(std::max<int64_t>(s1, 1))};
}

Tensor contiguous_copy(const Tensor& t) {
  Tensor out(make_intrusive<TensorImpl>(Storage::allocate(t.numel() * itemsize(t.dtype())), 0, t.sizes(),
                                        contiguous_strides(t.sizes()), t.dtype()));
  copy(out, t);
  return out;
}

}  // namespace

void mm(const Tensor& out, const Tensor& a_in, const Tensor& b_in) {
  const int64_t m = a_in.sizes()[0], k = a_in.sizes()[1], n = b_in.sizes()[1];
  if (m == 0 || n == 0) return;
  if (k == 0) {
    fill(out, Scalar(int64_t{0}));
    return;
  }
  BIBUN_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX, "matrix dimensions exceed BLAS's 32-bit indices");
  BIBUN_ASSERT(out.is_contiguous());
  if (is_floating(out.dtype())) {
    Tensor a = blas_readable(a_in) ? a_in : contiguous_copy(a_in);
    Tensor b = blas_readable(b_in) ? b_in : contiguous_copy(b_in);
    BlasMatrix A = as_blas(a), B = as_blas(b);
    int ldc = static_cast<int>(std::max<int64_t>(n, 1));
    if (out.dtype() == ScalarType::Float32) {
      gemm<float>(A.transposed, B.transposed, m, n, k, 1.0f, static_cast<const float*>(A.data), A.ld,
                  static_cast<const float*>(B.data), B.ld, 0.0f, out.data<float>(), ldc);
    } else {
      gemm<double>(A.transposed, B.transposed, m, n, k, 1.0, static_cast<const double*>(A.data), A.ld,
                   static_cast<const double*>(B.data), B.ld, 0.0, out.data<double>(), ldc);
    }
    return;
  }
  dispatch_all(out.dtype(), [&]<typename T>() {
    const T* a = a_in.data<T>();
    const T* b = b_in.data<T>();
    T* o = out.data<T>();
    const int64_t as0 = a_in.strides()[0], as1 = a_in.strides()[1];
    const int64_t bs0 = b_in.strides()[0], bs1 = b_in.strides()[1];
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        using Acc = std::conditional_t<std::is_same_v<T, bool>, bool, T>;
        Acc s{};
        for (int64_t p = 0; p < k; ++p) {
          if constexpr (std::is_same_v<T, bool>) s = s || (a[i * as0 + p * as1] && b[p * bs0 + j * bs1]);
          else s += a[i * as0 + p * as1] * b[p * bs0 + j * bs1];
        }
        o[i * n + j] = s;
      }
  });
}

namespace {

// One matrix of a batch: a (rows, cols) window at element offset `offset` of `t`'s storage.
struct MatrixAt {
  char* data;
  int64_t rows, cols, s0, s1;
};

bool blas_readable(const MatrixAt& m) {
  if ((m.s1 == 1 || m.cols == 1) && m.s0 >= std::max<int64_t>(m.cols, 1) && m.s0 <= INT_MAX) return true;
  if ((m.s0 == 1 || m.rows == 1) && m.s1 >= std::max<int64_t>(m.rows, 1) && m.s1 <= INT_MAX) return true;
  return false;
}

// A batch whose matrices BLAS can read as they are, or a contiguous copy of it.
Tensor blas_batch(const Tensor& t) {
  MatrixAt m{nullptr, t.sizes()[1], t.sizes()[2], t.strides()[1], t.strides()[2]};
  return blas_readable(m) ? t : contiguous_copy(t);
}

template <typename T>
void gemm_one(const MatrixAt& a, const MatrixAt& b, T* out, int64_t n, T alpha, T beta) {
  bool ta = !((a.s1 == 1 || a.cols == 1) && a.s0 >= std::max<int64_t>(a.cols, 1));
  bool tb = !((b.s1 == 1 || b.cols == 1) && b.s0 >= std::max<int64_t>(b.cols, 1));
  int lda = static_cast<int>(std::max<int64_t>(ta ? a.s1 : a.s0, 1));
  int ldb = static_cast<int>(std::max<int64_t>(tb ? b.s1 : b.s0, 1));
  int m = static_cast<int>(a.rows), k = static_cast<int>(a.cols), nn = static_cast<int>(n);
  gemm<T>(ta, tb, m, nn, k, alpha, reinterpret_cast<const T*>(a.data), lda, reinterpret_cast<const T*>(b.data), ldb,
          beta, out, std::max(nn, 1));
}

// Runs f(i) for every batch index, over threads when the matrices are small and there are
// several of them (a large matrix splits itself, Note [One thread pool]).
template <typename F>
void for_each_batch(int64_t batches, int64_t work_per_batch, F&& f) {
#ifdef _OPENMP
  if (batches > 1 && work_per_batch < 128 * 128 * 128 && batches * work_per_batch >= 2 * kGrainSize &&
      omp_get_max_threads() > 1 && !omp_in_parallel()) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < batches; ++i) f(i);
    return;
  }
#endif
  for (int64_t i = 0; i < batches; ++i) f(i);
}

}  // namespace

void gemm_batched(const Tensor& out, const Tensor& a_in, const Tensor& b_in, Scalar alpha, Scalar beta) {
  const int64_t batches = out.sizes()[0], m = out.sizes()[1], n = out.sizes()[2], k = a_in.sizes()[2];
  if (batches == 0 || m == 0 || n == 0) return;
  BIBUN_ASSERT(out.is_contiguous());
  const bool zero_beta = beta.to_double() == 0.0;
  if (k == 0) {  // an empty sum: out = beta * out
    if (zero_beta) {
      fill(out, Scalar(int64_t{0}));
    } else {
      Tensor b(make_intrusive<TensorImpl>(Storage::allocate(itemsize(out.dtype())), 0, DimVector{}, DimVector{},
                                          out.dtype()));
      fill(b, beta);
      binary(BinaryOp::Mul, out, out, b);
    }
    return;
  }
  BIBUN_CHECK(m <= INT_MAX && n <= INT_MAX && k <= INT_MAX, "matrix dimensions exceed BLAS's 32-bit indices");
  const size_t isz = itemsize(out.dtype());
  if (is_floating(out.dtype())) {
    Tensor a = blas_batch(a_in), b = blas_batch(b_in);
    auto run = [&]<typename T>() {
      T al = alpha.to<T>(), be = zero_beta ? T(0) : beta.to<T>();
      T* o = out.data<T>();
      char* ad = static_cast<char*>(a->data());
      char* bd = static_cast<char*>(b->data());
      for_each_batch(batches, m * n * k, [&](int64_t i) {
        MatrixAt A{ad + i * a.strides()[0] * isz, m, k, a.strides()[1], a.strides()[2]};
        MatrixAt B{bd + i * b.strides()[0] * isz, k, n, b.strides()[1], b.strides()[2]};
        gemm_one<T>(A, B, o + i * m * n, n, al, be);
      });
    };
    if (out.dtype() == ScalarType::Float32) run.template operator()<float>();
    else run.template operator()<double>();
    return;
  }
  dispatch_all(out.dtype(), [&]<typename T>() {
    const T* a = a_in.data<T>();
    const T* b = b_in.data<T>();
    T* o = out.data<T>();
    const int64_t ab = a_in.strides()[0], as0 = a_in.strides()[1], as1 = a_in.strides()[2];
    const int64_t bb = b_in.strides()[0], bs0 = b_in.strides()[1], bs1 = b_in.strides()[2];
    const T al = alpha.to<T>(), be = beta.to<T>();
    for (int64_t q = 0; q < batches; ++q)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          T* dst = o + (q * m + i) * n + j;
          if constexpr (std::is_same_v<T, bool>) {
            bool s = false;
            for (int64_t p = 0; p < k; ++p) s = s || (a[q * ab + i * as0 + p * as1] && b[q * bb + p * bs0 + j * bs1]);
            *dst = (al && s) || (!zero_beta && be && *dst);
          } else {
            T s{};
            for (int64_t p = 0; p < k; ++p) s += a[q * ab + i * as0 + p * as1] * b[q * bb + p * bs0 + j * bs1];
            *dst = zero_beta ? static_cast<T>(al * s) : static_cast<T>(be * *dst + al * s);
          }
        }
  });
}

void set_num_threads(int n) {
  BIBUN_CHECK(n > 0, "set_num_threads expects a positive integer");
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

}  // namespace bibun::kernels
