// The shape ops beyond the basic views of ops.h: flips and rolls, triangles and diagonals,
// repeats, splits, sort/topk/kthvalue and unique. Same contract as ops.h: check -> kernel ->
// record the node PyTorch shows (nodes in autograd/formulas/shape_nodes.h).
#pragma once
#include <optional>
#include <tuple>
#include <vector>

#include "tensor/tensor.h"

namespace bibun::ops {

// Views (ops/view.cpp)
Tensor diagonal(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2);
Tensor squeeze_dims(const Tensor& a, const std::vector<int64_t>& dims);  // SqueezeBackward2
// Gradient of diagonal: `grad` placed on the diagonal of zeros of `sizes` (differentiable).
Tensor diagonal_backward(const Tensor& grad, const DimVector& sizes, int64_t offset, int64_t dim1, int64_t dim2);

// ops/shape.cpp
// In-place metadata twins: self takes the view's sizes and strides (same memory).
Tensor& unsqueeze_(Tensor& self, int64_t dim);
Tensor& squeeze_(Tensor& self, std::optional<std::vector<int64_t>> dims, bool dims_overload);
Tensor& transpose_(Tensor& self, int64_t dim0, int64_t dim1);
Tensor flip(const Tensor& a, const std::vector<int64_t>& dims);
Tensor roll(const Tensor& a, const std::vector<int64_t>& shifts, const std::vector<int64_t>& dims);
Tensor rot90(const Tensor& a, int64_t k, const std::vector<int64_t>& dims);
Tensor tril(const Tensor& a, int64_t k);
Tensor triu(const Tensor& a, int64_t k);
Tensor& tril_(Tensor& self, int64_t k);
Tensor& triu_(Tensor& self, int64_t k);
Tensor diag(const Tensor& a, int64_t offset);
Tensor diag_embed(const Tensor& a, int64_t offset, int64_t dim1, int64_t dim2);
Tensor trace(const Tensor& a);
Tensor repeat(const Tensor& a, const std::vector<int64_t>& repeats);
// repeat_interleave with one count for every element, or a count per element (int64 tensor);
// dim nullopt flattens first.
Tensor repeat_interleave(const Tensor& a, int64_t repeats, std::optional<int64_t> dim);
Tensor repeat_interleave(const Tensor& a, const Tensor& repeats, std::optional<int64_t> dim);
// torch.repeat_interleave(repeats): each index i repeated repeats[i] times.
Tensor repeat_interleave_index(const Tensor& repeats);
std::vector<Tensor> split(const Tensor& a, int64_t split_size, int64_t dim);
std::vector<Tensor> split_with_sizes(const Tensor& a, const std::vector<int64_t>& sizes, int64_t dim);
std::vector<Tensor> unbind(const Tensor& a, int64_t dim);
// Differentiable gather/scatter-add along a dim (index int64, same rank); each is the other's
// backward.
Tensor gather_along(const Tensor& a, int64_t dim, const Tensor& index);
Tensor scatter_add_along(const DimVector& sizes, int64_t dim, const Tensor& index, const Tensor& src);
// a's slices along dim picked by a 1-D int64 index (IndexSelectBackward0).
Tensor index_select_dim(const Tensor& a, int64_t dim, const Tensor& index);

// ops/sort.cpp: (values, indices); indices are int64 and carry no gradient. Equal elements
// always keep their order; `stable` given (either value) is PyTorch's stable overload
// (SortBackward1).
std::tuple<Tensor, Tensor> sort(const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable);
Tensor argsort(const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable);
std::tuple<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim, bool largest, bool sorted);
std::tuple<Tensor, Tensor> kthvalue(const Tensor& a, int64_t k, int64_t dim, bool keepdim);
// (values, inverse, counts); inverse/counts are always computed, callers drop what was not asked.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& a, std::optional<int64_t> dim, bool consecutive);

}  // namespace bibun::ops
