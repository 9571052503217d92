// Checks of a write into existing memory (in-place ops, out=) that PyTorch makes and that the
// shared check_inplace_write (ops/common.h) builds on; defined in ops/inplace.cpp.
#pragma once
#include <initializer_list>

#include "tensor/tensor.h"

namespace bibun::ops {

// PyTorch's get_overlap_status: how the memory of two tensors relates. Full = the same elements
// in the same layout; TooHard = one of them is not non-overlapping-and-dense (not decided).
enum class MemOverlap { No, Full, Partial, TooHard };
MemOverlap overlap_status(const Tensor& a, const Tensor& b);

// True when `t`'s elements are exactly a permutation of a dense block of memory.
bool is_non_overlapping_and_dense(const Tensor& t);

// Raises PyTorch's "some elements of the input tensor and the written-to tensor refer to a single
// memory location" when `input` partially overlaps `written`.
void check_no_partial_overlap(const Tensor& written, const Tensor& input);

// Raises PyTorch's "more than one element of the written-to tensor refers to a single memory
// location" when a dim of `t` with more than one element has stride 0.
void check_no_internal_overlap(const Tensor& t);

// PyTorch's subtraction check: no bool operand (two bools get the logical_xor hint).
void check_subtraction_dtypes(const Tensor& a, const Tensor& b);

// out= with the op's inputs: the write checks of assign_out plus no partial overlap of `out`
// with any input.
Tensor& assign_out_checked(Tensor& out, const Tensor& result, std::initializer_list<const Tensor*> inputs);

}  // namespace bibun::ops
