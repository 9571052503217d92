// The one elementwise engine: N operands (operand 0 is the output) of one shape, with byte
// strides (0 on broadcast dims), coalesced, walked as an outer odometer over an inner loop
// that gets raw pointers, byte strides and a count. Kernels specialise the inner loop for
// the contiguous case so that the compiler vectorises it.
#pragma once
#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>

#include "tensor/tensor.h"

namespace bibun::kernels {

// The broadcast shape of a and b, with PyTorch's error text.
DimVector broadcast_shapes(const DimVector& a, const DimVector& b);

template <int N>
struct LoopPlan {
  DimVector sizes;                    // innermost dim last
  std::array<DimVector, N> strides;   // byte strides per operand
  std::array<char*, N> data;
  int64_t numel = 1;
};

// Builds the plan for operands broadcast to `shape` (each operand's shape must broadcast to
// it; operand 0 usually has exactly `shape`).
template <int N>
LoopPlan<N> make_plan(const DimVector& shape, const std::array<const Tensor*, N>& ops) {
  LoopPlan<N> p;
  const size_t nd = shape.size();
  p.numel = numel_of(shape);
  // The common case of small ops: every operand contiguous with exactly `shape`, or (an input)
  // a single element broadcast everywhere, such as a wrapped Python number. That is one flat
  // loop, the plan the general path below would coalesce to.
  bool flat = true;
  for (int k = 0; k < N && flat; ++k) {
    const Tensor& t = *ops[k];
    flat = (t->is_contiguous() && t.sizes() == shape) || (k > 0 && t.numel() == 1 && t.dim() <= static_cast<int64_t>(nd));
  }
  if (flat) {
    p.sizes.push_back(p.numel);
    for (int k = 0; k < N; ++k) {
      const Tensor& t = *ops[k];
      p.data[k] = static_cast<char*>(t->data());
      const bool broadcast = k > 0 && t.numel() == 1 && p.numel != 1;
      p.strides[k].push_back(broadcast ? 0 : static_cast<int64_t>(itemsize(t.dtype())));
    }
    return p;
  }
  for (int k = 0; k < N; ++k) {
    const Tensor& t = *ops[k];
    p.data[k] = static_cast<char*>(t->data());
    p.strides[k] = DimVector(nd, 0);
    const size_t off = nd - t.sizes().size();
    const int64_t item = static_cast<int64_t>(itemsize(t.dtype()));
    for (size_t d = 0; d < t.sizes().size(); ++d)
      p.strides[k][off + d] = t.sizes()[d] == 1 ? 0 : t.strides()[d] * item;
  }
  // Walk the dims in the output's memory order when the output is dense but permuted (a
  // transposed result or an in-place op on a transpose), so that it still coalesces into a flat
  // loop. An output with a zero stride (a reduction's accumulator) keeps the logical order,
  // which fixes its summation order.
  DimVector order(nd);
  for (size_t d = 0; d < nd; ++d) order[d] = static_cast<int64_t>(d);
  bool permuted = false, dense_out = true;
  int64_t last = INT64_MAX;
  for (size_t d = 0; d < nd; ++d) {
    if (shape[d] == 1) continue;
    const int64_t st = p.strides[0][d];
    dense_out &= st > 0;
    permuted |= st > last;
    last = st;
  }
  if (permuted && dense_out)
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t x, int64_t y) { return p.strides[0][x] > p.strides[0][y]; });
  // Drop size-1 dims and merge dims that are contiguous with their inner neighbour in every
  // operand, so a contiguous tensor becomes one flat loop.
  DimVector sizes;
  std::array<DimVector, N> strides;
  for (size_t o = 0; o < nd; ++o) {
    const size_t d = static_cast<size_t>(order[o]);
    if (shape[d] == 1) continue;
    if (!sizes.empty()) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k)
        if (strides[k].back() != p.strides[k][d] * shape[d]) {
          mergeable = false;
          break;
        }
      if (mergeable) {
        for (int k = 0; k < N; ++k) strides[k].back() = p.strides[k][d];
        sizes.back() *= shape[d];
        continue;
      }
    }
    sizes.push_back(shape[d]);
    for (int k = 0; k < N; ++k) strides[k].push_back(p.strides[k][d]);
  }
  if (sizes.empty()) {
    sizes.push_back(1);
    for (int k = 0; k < N; ++k) strides[k].push_back(0);
  }
  p.sizes = std::move(sizes);
  p.strides = std::move(strides);
  return p;
}

// Calls inner(ptrs, inner_strides, count) for every run of the innermost dim.
template <int N, typename Inner>
void for_each_run(const LoopPlan<N>& p, Inner&& inner) {
  if (p.numel == 0) return;
  const size_t nd = p.sizes.size();
  const int64_t inner_size = p.sizes[nd - 1];
  std::array<int64_t, N> inner_strides;
  for (int k = 0; k < N; ++k) inner_strides[k] = p.strides[k][nd - 1];
  std::array<char*, N> ptrs = p.data;
  if (nd == 1) {
    inner(ptrs.data(), inner_strides.data(), inner_size);
    return;
  }
  DimVector counter(nd - 1, 0);
  const int64_t outer = p.numel / inner_size;
  for (int64_t it = 0; it < outer; ++it) {
    inner(ptrs.data(), inner_strides.data(), inner_size);
    for (size_t d = nd - 1; d-- > 0;) {
      if (++counter[d] < p.sizes[d]) {
        for (int k = 0; k < N; ++k) ptrs[k] += p.strides[k][d];
        break;
      }
      for (int k = 0; k < N; ++k) ptrs[k] -= p.strides[k][d] * (p.sizes[d] - 1);
      counter[d] = 0;
    }
  }
}

}  // namespace bibun::kernels
