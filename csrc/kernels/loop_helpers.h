// The typed inner loop over a LoopPlan, shared by the elementwise kernel files:
// run<Out, Ins...>(plan, f) calls f(in_elems...) per element, with fast paths the compiler
// vectorises and OpenMP over large flat plans.
#pragma once
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/parallel.h"
#include "kernels/strided_loop.h"

namespace bibun::kernels::loop {

namespace detail {

// An input of a dense run: read at i (contiguous) or one value for the whole run (stride 0,
// a broadcast scalar such as a wrapped Python number or a bias over a row).
template <typename T, bool Broadcast>
struct Operand {
  const T* p;
  T operator[](int64_t i) const { return p[i]; }
};
template <typename T>
struct Operand<T, true> {
  T v;
  explicit Operand(const T* p) : v(*p) {}
  T operator[](int64_t) const { return v; }
};

// The dense loop for one broadcast pattern: bit I of Mask set means input I has stride 0.
template <unsigned Mask, typename Out, typename... Ins, size_t... I, typename F>
void dense(Out* out, char** data, int64_t n, F& f, std::index_sequence<I...>) {
  std::tuple<Operand<Ins, ((Mask >> I) & 1u) != 0>...> in{
      Operand<Ins, ((Mask >> I) & 1u) != 0>{reinterpret_cast<const Ins*>(data[I + 1])}...};
  for (int64_t i = 0; i < n; ++i) out[i] = f(std::get<I>(in)[i]...);
}

// Runs the dense loop specialised for `mask`. Only patterns of up to two inputs are
// specialised (2^K instantiations per kernel); wider kernels get the all-contiguous one.
template <typename Out, typename... Ins, typename F>
bool try_dense(unsigned mask, Out* out, char** data, int64_t n, F& f) {
  constexpr size_t K = sizeof...(Ins);
  auto seq = std::index_sequence_for<Ins...>{};
  if (mask == 0) {
    dense<0u, Out, Ins...>(out, data, n, f, seq);
    return true;
  }
  if constexpr (K == 1) {
    dense<1u, Out, Ins...>(out, data, n, f, seq);
    return true;
  } else if constexpr (K == 2) {
    if (mask == 1u) dense<1u, Out, Ins...>(out, data, n, f, seq);
    else if (mask == 2u) dense<2u, Out, Ins...>(out, data, n, f, seq);
    else return false;
    return true;
  }
  return false;
}

}  // namespace detail

// A value of S as dtype D: bool is "not zero", anything else a static_cast (kernels::copy's rule).
template <typename D, typename S>
D convert_value(S x) {
  if constexpr (std::is_same_v<D, bool>) return x != S(0);
  else return static_cast<D>(x);
}

// Note [Scalar operands]
// An input that holds one element (a 0-d tensor, a wrapped Python number) may come in a dtype
// other than the one the kernel computes in, such as the float64 of `x * 0.5` next to a float32 x.
// Rather than the op casting it into a new tensor, the kernel converts the value into `slot`
// (which must outlive the run) and points the plan's operand k at it; its strides become 0.
struct ScalarSlot {
  alignas(8) unsigned char bytes[8];
};

template <int N>
void point_at_converted_scalar(LoopPlan<N>& plan, int k, const Tensor& t, ScalarType to, ScalarSlot& slot) {
  if (t.dtype() == to) return;
  BIBUN_ASSERT(t.numel() == 1);
  dispatch_all(to, [&]<typename D>() {
    dispatch_all(t.dtype(), [&]<typename S>() {
      const D y = convert_value<D>(*static_cast<const S*>(t->data()));
      std::memcpy(slot.bytes, &y, sizeof(D));
    });
  });
  plan.data[k] = reinterpret_cast<char*>(slot.bytes);
  for (auto& s : plan.strides[k]) s = 0;
}

template <typename Out, typename... Ins, int N = 1 + sizeof...(Ins), typename F>
void run(const LoopPlan<N>& plan, F&& f) {
  auto inner = [&](char** data, const int64_t* strides, int64_t n) {
    constexpr int64_t sizes[N] = {static_cast<int64_t>(sizeof(Out)), static_cast<int64_t>(sizeof(Ins))...};
    Out* out = reinterpret_cast<Out*>(data[0]);
    if (strides[0] == sizes[0]) {
      bool dense = true;
      unsigned mask = 0;
      for (int k = 1; k < N; ++k) {
        if (strides[k] == 0) mask |= 1u << (k - 1);
        else dense &= strides[k] == sizes[k];
      }
      if (dense && detail::try_dense<Out, Ins...>(mask, out, data, n, f)) return;
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
