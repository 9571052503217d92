// Loops of the shape ops: see shape_kernels.h.
#include "kernels/shape_kernels.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "tensor/dtype.h"
#include "tensor/error.h"

namespace bibun::kernels {

namespace {

// Calls f(offsets) for every position of `shape` with index 0 at `dim` (a "line" along dim),
// where offsets[k] is the element offset of that position in operand k (element strides).
template <size_t N, typename F>
void for_each_line(const DimVector& shape, int64_t dim, const std::array<const DimVector*, N>& strides, F&& f) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  for (int64_t d = 0; d < nd; ++d)
    if (shape[d] == 0 && d != dim) return;
  std::array<int64_t, N> off{};
  DimVector idx(nd, 0);
  while (true) {
    f(off);
    int64_t d = nd - 1;
    for (; d >= 0; --d) {
      if (d == dim) continue;
      if (++idx[d] < shape[d]) {
        for (size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
        break;
      }
      for (size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * (shape[d] - 1);
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Strict orders with NaN as the largest value.
template <typename T>
bool less_nan(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a < b) || (!std::isnan(a) && std::isnan(b));
  else return a < b;
}

int64_t stride_at(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.strides()[dim]; }
int64_t size_at(const Tensor& t, int64_t dim) { return t.dim() == 0 ? 1 : t.sizes()[dim]; }
DimVector shape_or_one(const Tensor& t) { return t.dim() == 0 ? DimVector{1} : t.sizes(); }
DimVector strides_or_one(const Tensor& t) { return t.dim() == 0 ? DimVector{1} : t.strides(); }

}  // namespace

void tril_triu(const Tensor& out, const Tensor& in, int64_t k, bool lower) {
  const int64_t nd = in.dim();
  const int64_t rows = in.sizes()[nd - 2], cols = in.sizes()[nd - 1];
  DimVector os = out.strides(), is = in.strides();
  dispatch_all(in.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const T* x = in.data<T>();
    // Lines along the last dim; the row index comes from the offset walk over dim nd-2.
    DimVector batch_shape = in.sizes();
    batch_shape[nd - 1] = 1;
    batch_shape[nd - 2] = 1;
    for_each_line<2>(batch_shape, nd - 1, {&os, &is}, [&](const std::array<int64_t, 2>& off) {
      for (int64_t i = 0; i < rows; ++i) {
        T* orow = o + off[0] + i * os[nd - 2];
        const T* xrow = x + off[1] + i * is[nd - 2];
        for (int64_t j = 0; j < cols; ++j) {
          bool keep = lower ? (j - i <= k) : (j - i >= k);
          orow[j * os[nd - 1]] = keep ? xrow[j * is[nd - 1]] : T(0);
        }
      }
    });
  });
}

namespace {

template <typename T>
void sorted_order(std::vector<int64_t>& order, const T* x, int64_t stride, int64_t n, bool descending) {
  order.resize(n);
  std::iota(order.begin(), order.end(), 0);
  if (descending)
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return less_nan(x[b * stride], x[a * stride]); });
  else
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return less_nan(x[a * stride], x[b * stride]); });
}

}  // namespace

void sort(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim, bool descending) {
  const int64_t n = size_at(in, dim);
  DimVector shape = shape_or_one(in), vs = strides_or_one(values), is = strides_or_one(indices),
            xs = strides_or_one(in);
  const int64_t vst = stride_at(values, dim), ist = stride_at(indices, dim), xst = stride_at(in, dim);
  dispatch_all(in.dtype(), [&]<typename T>() {
    T* v = values.data<T>();
    int64_t* ix = indices.data<int64_t>();
    const T* x = in.data<T>();
    std::vector<int64_t> order;
    for_each_line<3>(shape, in.dim() == 0 ? 0 : dim, {&vs, &is, &xs}, [&](const std::array<int64_t, 3>& off) {
      sorted_order(order, x + off[2], xst, n, descending);
      for (int64_t j = 0; j < n; ++j) {
        v[off[0] + j * vst] = x[off[2] + order[j] * xst];
        ix[off[1] + j * ist] = order[j];
      }
    });
  });
}

void topk(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t k, int64_t dim, bool largest) {
  const int64_t n = size_at(in, dim);
  DimVector shape = shape_or_one(in), vs = strides_or_one(values), is = strides_or_one(indices),
            xs = strides_or_one(in);
  const int64_t vst = stride_at(values, dim), ist = stride_at(indices, dim), xst = stride_at(in, dim);
  dispatch_all(in.dtype(), [&]<typename T>() {
    T* v = values.data<T>();
    int64_t* ix = indices.data<int64_t>();
    const T* x = in.data<T>();
    std::vector<int64_t> order;
    for_each_line<3>(shape, in.dim() == 0 ? 0 : dim, {&vs, &is, &xs}, [&](const std::array<int64_t, 3>& off) {
      const T* line = x + off[2];
      order.resize(n);
      std::iota(order.begin(), order.end(), 0);
      auto cmp = [&](int64_t a, int64_t b) {
        T xa = line[a * xst], xb = line[b * xst];
        bool lt = largest ? less_nan(xb, xa) : less_nan(xa, xb);
        if (lt) return true;
        bool gt = largest ? less_nan(xa, xb) : less_nan(xb, xa);
        return !gt && a < b;  // ties: lower index first
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), cmp);
      for (int64_t j = 0; j < k; ++j) {
        v[off[0] + j * vst] = line[order[j] * xst];
        ix[off[1] + j * ist] = order[j];
      }
    });
  });
}

void gather_along(const Tensor& out, const Tensor& in, int64_t dim, const Tensor& index) {
  const int64_t n = size_at(out, dim), src_n = size_at(in, dim);
  DimVector shape = shape_or_one(out), os = strides_or_one(out), xs = strides_or_one(in), is = strides_or_one(index);
  const int64_t ost = stride_at(out, dim), xst = stride_at(in, dim), ist = stride_at(index, dim);
  dispatch_all(in.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const T* x = in.data<T>();
    const int64_t* ix = index.data<int64_t>();
    for_each_line<3>(shape, out.dim() == 0 ? 0 : dim, {&os, &xs, &is}, [&](const std::array<int64_t, 3>& off) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t i = ix[off[2] + j * ist];
        BIBUN_CHECK_T(IndexError, i >= 0 && i < src_n, "index ", i, " is out of bounds for dimension ", dim,
                      " with size ", src_n);
        o[off[0] + j * ost] = x[off[1] + i * xst];
      }
    });
  });
}

void scatter_add_along(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) {
  const int64_t n = size_at(src, dim), dst_n = size_at(out, dim);
  DimVector shape = shape_or_one(src), os = strides_or_one(out), ss = strides_or_one(src), is = strides_or_one(index);
  const int64_t ost = stride_at(out, dim), sst = stride_at(src, dim), ist = stride_at(index, dim);
  dispatch_all(src.dtype(), [&]<typename T>() {
    T* o = out.data<T>();
    const T* s = src.data<T>();
    const int64_t* ix = index.data<int64_t>();
    for_each_line<3>(shape, src.dim() == 0 ? 0 : dim, {&os, &ss, &is}, [&](const std::array<int64_t, 3>& off) {
      for (int64_t j = 0; j < n; ++j) {
        int64_t i = ix[off[2] + j * ist];
        BIBUN_CHECK_T(IndexError, i >= 0 && i < dst_n, "index ", i, " is out of bounds for dimension ", dim,
                      " with size ", dst_n);
        if constexpr (std::is_same_v<T, bool>) o[off[0] + i * ost] = o[off[0] + i * ost] || s[off[1] + j * sst];
        else o[off[0] + i * ost] += s[off[1] + j * sst];
      }
    });
  });
}

void unique_rows(const Tensor& contig, int64_t rows, int64_t width, bool consecutive, std::vector<int64_t>& first,
                 std::vector<int64_t>& inverse, std::vector<int64_t>& counts) {
  first.clear();
  counts.clear();
  inverse.assign(rows, 0);
  dispatch_all(contig.dtype(), [&]<typename T>() {
    const T* x = contig.data<T>();
    auto row_less = [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < width; ++j) {
        T xa = x[a * width + j], xb = x[b * width + j];
        if (less_nan(xa, xb)) return true;
        if (less_nan(xb, xa)) return false;
      }
      return false;
    };
    auto row_equal = [&](int64_t a, int64_t b) {
      for (int64_t j = 0; j < width; ++j) {
        T xa = x[a * width + j], xb = x[b * width + j];
        if (!(xa == xb)) return false;  // NaN is never equal to NaN, as in PyTorch
      }
      return true;
    };
    std::vector<int64_t> order(rows);
    std::iota(order.begin(), order.end(), 0);
    if (!consecutive) std::stable_sort(order.begin(), order.end(), row_less);
    for (int64_t r = 0; r < rows; ++r) {
      int64_t row = order[r];
      if (r == 0 || !row_equal(order[r - 1], row)) {
        first.push_back(row);
        counts.push_back(0);
      }
      inverse[row] = static_cast<int64_t>(first.size()) - 1;
      ++counts.back();
    }
  });
}

}  // namespace bibun::kernels
