// Range kernels (arange, linspace). The random fills live in random.cpp beside the generator.
#include "kernels/fill_kernels.h"

#include <cmath>
#include <type_traits>

namespace bibun::kernels {

void arange(const Tensor& out, double start, double step) {
  BIBUN_ASSERT(out.is_contiguous());
  dispatch_all(out.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(start + step * static_cast<double>(i));
  });
}

void arange(const Tensor& out, int64_t start, int64_t step) {
  BIBUN_ASSERT(out.is_contiguous());
  dispatch_all(out.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(start + step * i);
  });
}

void linspace(const Tensor& out, double start, double end) {
  BIBUN_ASSERT(out.is_contiguous());
  dispatch_all(out.dtype(), [&]<typename T>() {
    // Floats step in their own precision, integers in double, as PyTorch's CPU kernel.
    using Step = std::conditional_t<std::is_floating_point_v<T>, T, double>;
    T* o = out.data<T>();
    const int64_t n = out.numel();
    if (n == 0) return;
    if (n == 1) {
      o[0] = static_cast<T>(start);  // PyTorch fills a single step with start
      return;
    }
    // Integer outputs truncate the end points first, as PyTorch does.
    const Step s = static_cast<Step>(static_cast<T>(start)), e = static_cast<Step>(static_cast<T>(end));
    const Step step = (e - s) / static_cast<Step>(n - 1);
    const int64_t half = n / 2;
    // Fused multiply-adds, as PyTorch's compiled kernel evaluates these, so the last bits agree.
    for (int64_t i = 0; i < n; ++i)
      o[i] = static_cast<T>(i < half ? std::fma(step, static_cast<Step>(i), s)
                                     : std::fma(-step, static_cast<Step>(n - 1 - i), e));
  });
}

}  // namespace bibun::kernels
