// Creation kernels: evenly spaced ranges and random fills of a freshly allocated contiguous tensor.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace bibun::kernels {

// out[i] = start + i * step, computed in double (int64 for integer outputs), as PyTorch's arange.
void arange(const Tensor& out, double start, double step);
void arange(const Tensor& out, int64_t start, int64_t step);
// numel(out) points from start to end inclusive; the second half is counted back from `end`
// so that the last point is exactly `end` (PyTorch's linspace).
void linspace(const Tensor& out, double start, double end);

// Uniform samples in [0, 1) from bibun's generator (floating dtypes).
void rand(const Tensor& out);
// Uniform integers in [low, high) from bibun's generator, written in out's dtype.
void randint(const Tensor& out, int64_t low, int64_t high);

}  // namespace bibun::kernels
