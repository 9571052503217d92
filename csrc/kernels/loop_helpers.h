// The typed inner loop over a LoopPlan, shared by the elementwise kernel files:
// run<Out, Ins...>(plan, f) calls f(in_elems...) per element, with a contiguous fast path the
// compiler vectorises and OpenMP over large flat plans.
#pragma once
#include <tuple>
#include <utility>

#include "kernels/parallel.h"
#include "kernels/strided_loop.h"

namespace bibun::kernels::loop {

template <typename Out, typename... Ins, int N = 1 + sizeof...(Ins), typename F>
void run(const LoopPlan<N>& plan, F&& f) {
  auto inner = [&](char** data, const int64_t* strides, int64_t n) {
    constexpr int64_t sizes[N] = {static_cast<int64_t>(sizeof(Out)), static_cast<int64_t>(sizeof(Ins))...};
    bool contiguous = true;
    for (int k = 0; k < N; ++k) contiguous &= strides[k] == sizes[k];
    Out* out = reinterpret_cast<Out*>(data[0]);
    if (contiguous) {
      [&]<size_t... I>(std::index_sequence<I...>) {
        std::tuple<Ins*...> in{reinterpret_cast<Ins*>(data[I + 1])...};
        for (int64_t i = 0; i < n; ++i) out[i] = f(std::get<I>(in)[i]...);
      }(std::index_sequence_for<Ins...>{});
      return;
    }
    [&]<size_t... I>(std::index_sequence<I...>) {
      for (int64_t i = 0; i < n; ++i) {
        *reinterpret_cast<Out*>(data[0] + i * strides[0]) =
            f(*reinterpret_cast<Ins*>(data[I + 1] + i * strides[I + 1])...);
      }
    }(std::index_sequence_for<Ins...>{});
  };
  for_each_run_parallel(plan, inner);
}

}  // namespace bibun::kernels::loop
