// The advanced-indexing ops: index/index_put (t[idx] with tensor indices), gather/scatter along a
// dim, index_select/index_add/index_fill/index_copy, masked_select/masked_scatter, take, nonzero.
// Same contract as ops.h: check -> kernel -> record the node PyTorch shows (formulas/indexing.cpp).
#pragma once
#include <string>
#include <vector>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::ops {

// indices[k] indexes dim k (an undefined tensor keeps the dim whole); a bool mask of m dims
// covers m dims. Index tensors are int64/int32/bool; results follow NumPy's placement rule.
Tensor index(const Tensor& self, const std::vector<Tensor>& indices);
Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);
Tensor& index_put_(Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate);

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
// reduce: "" (none), "add" or "multiply". `src` undefined -> `value`.
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
               const std::string& reduce);
Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
                 const std::string& reduce);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor& scatter_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
Tensor index_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha);
Tensor& index_add_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha);
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, Scalar value);
Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, Scalar value);
// The value as a 0-d tensor (IndexFillBackward1: value gets a gradient).
Tensor index_fill(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
Tensor& index_fill_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& value);
// self.fill_(0-d tensor): FillBackward3, what t[idx] = number records on a non-view.
Tensor& fill_tensor_(Tensor& self, const Tensor& value);
Tensor index_copy(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);
Tensor& index_copy_(Tensor& self, int64_t dim, const Tensor& index, const Tensor& source);

Tensor masked_select(const Tensor& self, const Tensor& mask);
Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source);
Tensor& masked_scatter_(Tensor& self, const Tensor& mask, const Tensor& source);
// In-place twin of ops::masked_fill (ops/arithmetic.cpp): MaskedFillBackward0.
Tensor& masked_fill_(Tensor& self, const Tensor& mask, Scalar value);
// masked_fill with a 0-d tensor value (MaskedFillBackward1: the value gets a gradient).
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value);
Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Tensor& value);
Tensor take(const Tensor& self, const Tensor& index);
// (count, ndim) int64 coordinates of the nonzero elements (not differentiable).
Tensor nonzero(const Tensor& self);

}  // namespace bibun::ops
