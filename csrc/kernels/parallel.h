// parallel_for over a flat range with OpenMP, used above a grain size.
#pragma once
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace bibun::kernels {

// Below this many elements a loop runs on the calling thread (thread start-up costs more).
constexpr int64_t kGrainSize = 32768;

template <typename F>
void parallel_for(int64_t n, F&& f) {
#ifdef _OPENMP
  int threads = omp_get_max_threads();
  if (threads > 1 && n >= 2 * kGrainSize && !omp_in_parallel()) {
#pragma omp parallel num_threads(threads)
    {
      int t = omp_get_thread_num(), nt = omp_get_num_threads();
      int64_t chunk = (n + nt - 1) / nt;
      int64_t begin = t * chunk, end = begin + chunk < n ? begin + chunk : n;
      if (begin < end) f(begin, end);
    }
    return;
  }
#endif
  f(int64_t{0}, n);
}

}  // namespace bibun::kernels
