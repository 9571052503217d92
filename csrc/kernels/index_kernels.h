// Loops of the advanced-indexing family: gather/put through precomputed element offsets,
// gather/scatter along a dim, nonzero. Know nothing of autograd.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "tensor/scalar.h"
#include "tensor/tensor.h"

namespace bibun::kernels::indexing {

// A walk over `shape` (the advanced-indexing result) that reads or writes `self` at
//   self.offset + sum_d coord[d] * self_strides[d] + offsets[sum_d coord[d] * off_strides[d]]
// where `offsets` (int64, contiguous) holds the element offsets picked by the index tensors.
struct IndexWalk {
  DimVector shape;
  DimVector self_strides;
  DimVector off_strides;
  Tensor offsets;
};

// offsets[b] = sum_k wrap(idx_k[b]) * strides[k]; every idx_k is int64/int32 of `shape`
// (possibly with zero strides). Out of range -> IndexError "index i is out of bounds for
// dimension k with size n" (k = position in `idx`).
// `out` is a contiguous int64 tensor of `shape`. `error_dims` (optional) replaces k in the message.
void index_offsets(const Tensor& out, const std::vector<Tensor>& idx, const DimVector& sizes, const DimVector& strides,
                   const DimVector* error_dims = nullptr);
// The first element of an int64/int32 `index` outside [lo, hi), if any.
std::optional<int64_t> find_out_of_range(const Tensor& index, int64_t lo, int64_t hi);

// out (contiguous, walk.shape) = self at the walk's positions.
void index_get(const Tensor& out, const Tensor& self, const IndexWalk& walk);
// self at the walk's positions = (or +=) values (values has walk.shape, any strides; self's dtype).
void index_put(const Tensor& self, const Tensor& values, const IndexWalk& walk, bool accumulate);

// out[i][j][k] = self[i][index[i][j][k]][k] for dim 1 (index int64/int32, out has index's shape).
void gather(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index);
enum class ScatterReduce { None, Add, Multiply };
// self[i][index[i][j][k]][k] (=, +=, *=) src[i][j][k] for dim 1 over index's shape; src may be
// undefined, then `value` is written.
void scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
             ScatterReduce reduce);

// The number of nonzero elements, and their coordinates in row-major order into a contiguous
// int64 `out` of (count, ndim).
int64_t count_nonzero(const Tensor& self);
void nonzero(const Tensor& out, const Tensor& self);

}  // namespace bibun::kernels::indexing
