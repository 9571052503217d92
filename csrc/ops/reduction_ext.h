// The reductions and scans with dim of issue 4 (ops/reduction_ext.cpp): prod, amax/amin, max/min,
// argmax/argmin, var/std (+ _mean), logsumexp, cumsum/cumprod (+ in place)/cummax/cummin, median, mode,
// count_nonzero, nansum/nanmean. Dims lists may be empty (= every dim) and negative.
#pragma once
#include <optional>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace bibun::ops {

// Output shapes of a reduction of `a` over `dims` (all dims when empty), shared with reduction.cpp.
struct ReducedShape {
  DimVector keep;    // reduced dims kept as size 1
  DimVector result;  // as returned (keepdim or not)
  std::vector<int64_t> dims;
  int64_t count = 1;  // elements reduced into each output
};
ReducedShape reduced_shape(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);

using TensorPair = std::pair<Tensor, Tensor>;

// PyTorch's error for a recorded reduction whose dtype= is not floating (sum(x, dtype=int64) of an
// x that requires grad): "Autograd not support dtype: Long".
void check_differentiable_dtype(const Tensor& a, ScalarType out_dtype);

Tensor prod(const Tensor& a, std::optional<int64_t> dim, bool keepdim, std::optional<ScalarType> dtype);
Tensor amax(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor amin(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor max_all(const Tensor& a);
Tensor min_all(const Tensor& a);
TensorPair max_dim(const Tensor& a, int64_t dim, bool keepdim);  // (values, indices)
TensorPair min_dim(const Tensor& a, int64_t dim, bool keepdim);
Tensor argmax(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor argmin(const Tensor& a, std::optional<int64_t> dim, bool keepdim);
Tensor var(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim);
Tensor std(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim);
TensorPair var_mean(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim);
TensorPair std_mean(const Tensor& a, const std::vector<int64_t>& dims, double correction, bool keepdim);
Tensor logsumexp(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor cumsum(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype);
Tensor cumprod(const Tensor& a, int64_t dim, std::optional<ScalarType> dtype);
// In place: `dtype`, when given, must be self's dtype (the scan runs in self's dtype).
Tensor& cumsum_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype);
Tensor& cumprod_(Tensor& self, int64_t dim, std::optional<ScalarType> dtype);
TensorPair cummax(const Tensor& a, int64_t dim);
TensorPair cummin(const Tensor& a, int64_t dim);
Tensor median_all(const Tensor& a);
TensorPair median_dim(const Tensor& a, int64_t dim, bool keepdim);
// The most frequent value along dim and a position of it, chosen as PyTorch's CPU kernel does.
TensorPair mode(const Tensor& a, int64_t dim, bool keepdim);
Tensor count_nonzero(const Tensor& a, const std::vector<int64_t>& dims);
Tensor nansum(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype);
// (min, max) over dims (all when empty).
TensorPair aminmax(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim);
Tensor nanmean(const Tensor& a, const std::vector<int64_t>& dims, bool keepdim, std::optional<ScalarType> dtype);

// norm(a, p, dims, keepdim) recorded as PyTorch's NormBackward1 (at::norm called from C++, as in
// pairwise_distance); ops::norm records LinalgVectorNormBackward0.
Tensor norm_backward1(const Tensor& a, double p, const std::vector<int64_t>& dims, bool keepdim);

}  // namespace bibun::ops
