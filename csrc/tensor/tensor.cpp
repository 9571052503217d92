#include "tensor/tensor.h"

namespace bibun {

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t lo = ndim == 0 ? -1 : -ndim;
  int64_t hi = ndim == 0 ? 0 : ndim - 1;
  BIBUN_CHECK_T(IndexError, dim >= lo && dim <= hi, "Dimension out of range (expected to be in range of [", lo,
                ", ", hi, "], but got ", dim, ")");
  return dim < 0 ? dim + std::max<int64_t>(ndim, 1) : dim;
}

std::string shape_str(const DimVector& sizes) {
  std::string r = "[";
  for (size_t i = 0; i < sizes.size(); ++i) r += (i ? ", " : "") + std::to_string(sizes[i]);
  return r + "]";
}

std::string size_str(const DimVector& sizes) { return "bibun.Size(" + shape_str(sizes) + ")"; }

int64_t Tensor::size(int64_t d) const { return sizes()[wrap_dim(d, dim())]; }

}  // namespace bibun
