// parallel_for over a flat range with OpenMP, used above a grain size.
#pragma once
#include <array>
#include <cstdint>

#include "kernels/strided_loop.h"

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

// Runs `inner` over a plan like for_each_run, splitting a large flat (fully coalesced) plan
// over threads.
template <int N, typename Inner>
void for_each_run_parallel(const LoopPlan<N>& plan, Inner&& inner) {
  if (plan.sizes.size() == 1 && plan.numel >= kGrainSize) {
    std::array<int64_t, N> st;
    for (int k = 0; k < N; ++k) st[k] = plan.strides[k][0];
    parallel_for(plan.numel, [&](int64_t begin, int64_t end) {
      std::array<char*, N> d;
      for (int k = 0; k < N; ++k) d[k] = plan.data[k] + begin * st[k];
      inner(d.data(), st.data(), end - begin);
    });
    return;
  }
  for_each_run(plan, inner);
}

}  // namespace bibun::kernels
