// Loops of the shape ops (ops/shape.cpp, ops/sort.cpp): triangles, sorting and selection along a
// dim, gather/scatter-add along a dim, and the grouping behind unique. No autograd here.
#pragma once
#include <cstdint>
#include <vector>

#include "tensor/tensor.h"

namespace bibun::kernels {

// out = in with the elements above (lower) or below (!lower) diagonal k of the last two dims
// zeroed. out has in's shape; it may be in itself.
void tril_triu(const Tensor& out, const Tensor& in, int64_t k, bool lower);

// Sorts every line of `in` along `dim` into values/indices (same shape as in; indices int64).
// NaN sorts as the largest value; equal elements keep their order.
void sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool descending);

// The k largest (or smallest) of every line along `dim`, in sorted order; values/indices have
// in's shape with size k at dim.
void topk(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t k, int64_t dim, bool largest);

// out[..., j, ...] = in[..., index[..., j, ...], ...] along dim (index int64, out's shape).
void gather_along(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index);
// out[..., index[..., j, ...], ...] += src[..., j, ...] along dim (index int64, src's shape).
void scatter_add_along(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src);

// Groups the `rows` rows of `width` elements of a contiguous tensor: equal rows form a group
// (adjacent equal rows only if `consecutive`; else groups are in ascending lexicographic
// order). Fills the first row of each group, each row's group, and each group's size.
void unique_rows(const Tensor& contig, int64_t rows, int64_t width, bool consecutive, std::vector<int64_t>& first,
                 std::vector<int64_t>& inverse, std::vector<int64_t>& counts);

}  // namespace bibun::kernels
