// The memory layout of a freshly allocated elementwise result (PyTorch's TensorIterator rule).
#pragma once
#include <initializer_list>
#include <optional>

#include "tensor/tensor.h"

namespace bibun::ops {

// Note [Elementwise output layout]
// An out-of-place elementwise result of `shape` and `dtype` over `inputs`, laid out as PyTorch lays
// it out: contiguous when every input is; the inputs' strides when they all have the result's shape
// and one and the same non-overlapping dense layout; otherwise dense with its dims ordered by the
// inputs' strides (the first input whose strides tell two dims apart decides; broadcast dims do
// not count). `compute` is the dtype the inputs are converted to first: a converted input keeps
// its layout only when it is non-overlapping and dense (PyTorch's `.to()`), else it counts as
// contiguous. Undefined inputs are skipped. All-contiguous inputs cost one flag test each.
Tensor empty_elementwise(const DimVector& shape, ScalarType dtype, std::initializer_list<const Tensor*> inputs,
                         std::optional<ScalarType> compute = std::nullopt);

}  // namespace bibun::ops
