// Matrix multiply on OpenBLAS (scipy-openblas32: symbols carry a scipy_ prefix, 32-bit
// indices) for float32/float64; a plain loop for integer and bool dtypes.
#include <climits>

#include <cblas.h>

#include "kernels/kernels.h"
#include "kernels/parallel.h"

namespace bibun::kernels {

namespace {

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
    auto ta = A.transposed ? CblasTrans : CblasNoTrans;
    auto tb = B.transposed ? CblasTrans : CblasNoTrans;
    int ldc = static_cast<int>(std::max<int64_t>(n, 1));
    if (out.dtype() == ScalarType::Float32) {
      scipy_cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, 1.0f, static_cast<const float*>(A.data), A.ld,
                        static_cast<const float*>(B.data), B.ld, 0.0f, out.data<float>(), ldc);
    } else {
      scipy_cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, 1.0, static_cast<const double*>(A.data), A.ld,
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

void set_num_threads(int n) {
  BIBUN_CHECK(n > 0, "set_num_threads expects a positive integer");
  scipy_openblas_set_num_threads(n);
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
}

}  // namespace bibun::kernels
