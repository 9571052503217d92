// Advanced-indexing loops: an odometer over the result shape with one element-stride vector
// per operand, dtype dispatch only where values are combined (accumulate, reduce).
#include "kernels/index_kernels.h"

#include <array>
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "tensor/dtype.h"
#include "tensor/error.h"

namespace bibun::kernels::indexing {

namespace {

// Calls f(offsets) for every coordinate of `shape` in row-major order; offsets[k] is
// sum_d coord[d] * strides[k][d].
template <size_t N, typename F>
void walk(const DimVector& shape, const std::array<const DimVector*, N>& strides, F&& f) {
  const int64_t numel = numel_of(shape);
  if (numel == 0) return;
  std::array<int64_t, N> off{};
  const size_t nd = shape.size();
  if (nd == 0) {
    f(off);
    return;
  }
  const int64_t inner = shape[nd - 1];
  std::array<int64_t, N> inner_stride;
  for (size_t k = 0; k < N; ++k) inner_stride[k] = (*strides[k])[nd - 1];
  DimVector counter(nd, 0);
  for (int64_t it = 0, outer = numel / inner; it < outer; ++it) {
    std::array<int64_t, N> o = off;
    for (int64_t i = 0; i < inner; ++i) {
      f(o);
      for (size_t k = 0; k < N; ++k) o[k] += inner_stride[k];
    }
    for (size_t d = nd - 1; d-- > 0;) {
      if (++counter[d] < shape[d]) {
        for (size_t k = 0; k < N; ++k) off[k] += (*strides[k])[d];
        break;
      }
      for (size_t k = 0; k < N; ++k) off[k] -= (*strides[k])[d] * (shape[d] - 1);
      counter[d] = 0;
    }
  }
}

// Element strides of `t` laid over `shape` (right-aligned; broadcast dims get 0).
DimVector strides_over(const Tensor& t, const DimVector& shape) {
  DimVector s(shape.size(), 0);
  const size_t off = shape.size() - t.sizes().size();
  for (size_t d = 0; d < t.sizes().size(); ++d) s[off + d] = t.sizes()[d] == 1 ? 0 : t.strides()[d];
  return s;
}

inline int64_t read_index(const Tensor& idx, int64_t off) {
  return idx.dtype() == ScalarType::Int32 ? static_cast<int64_t>(idx.data<int32_t>()[off]) : idx.data<int64_t>()[off];
}

template <typename F>
void dispatch_bytes(size_t n, F&& f) {
  switch (n) {
    case 1: return f.template operator()<uint8_t>();
    case 4: return f.template operator()<uint32_t>();
    case 8: return f.template operator()<uint64_t>();
  }
  throw Error("unsupported element size");
}

}  // namespace

void index_offsets(const Tensor& out, const std::vector<Tensor>& idx, const DimVector& sizes, const DimVector& strides,
                   const DimVector* error_dims) {
  const DimVector& shape = out.sizes();
  int64_t* o = out.data<int64_t>();
  const int64_t n = out.numel();
  std::fill(o, o + n, 0);
  const DimVector contiguous = contiguous_strides(shape);
  for (size_t k = 0; k < idx.size(); ++k) {
    const Tensor& t = idx[k];
    DimVector ts = strides_over(t, shape);
    const int64_t size = sizes[k], stride = strides[k];
    walk<2>(shape, {&contiguous, &ts}, [&](const std::array<int64_t, 2>& p) {
      int64_t i = read_index(t, p[1]);
      BIBUN_CHECK_T(IndexError, size > 0, "index is out of bounds for dimension with size 0");
      BIBUN_CHECK_T(IndexError, i >= -size && i < size, "index ", i, " is out of bounds for dimension ",
                    error_dims ? (*error_dims)[k] : static_cast<int64_t>(k), " with size ", size);
      if (i < 0) i += size;
      o[p[0]] += i * stride;
    });
  }
}

std::optional<int64_t> find_out_of_range(const Tensor& index, int64_t lo, int64_t hi) {
  const DimVector strides = index.strides();
  std::optional<int64_t> bad;
  walk<1>(index.sizes(), {&strides}, [&](const std::array<int64_t, 1>& p) {
    int64_t i = read_index(index, p[0]);
    if (!bad && (i < lo || i >= hi)) bad = i;
  });
  return bad;
}

void index_get(const Tensor& out, const Tensor& self, const IndexWalk& w) {
  const DimVector out_strides = contiguous_strides(w.shape);
  const int64_t* offs = w.offsets.data<int64_t>();
  dispatch_bytes(itemsize(self.dtype()), [&]<typename T>() {
    T* o = out.data<T>();
    const T* s = self.data<T>();
    walk<3>(w.shape, {&out_strides, &w.self_strides, &w.off_strides},
            [&](const std::array<int64_t, 3>& p) { o[p[0]] = s[p[1] + offs[p[2]]]; });
  });
}

void index_put(const Tensor& self, const Tensor& values, const IndexWalk& w, bool accumulate) {
  const DimVector value_strides = strides_over(values, w.shape);
  const int64_t* offs = w.offsets.data<int64_t>();
  if (!accumulate) {
    dispatch_bytes(itemsize(self.dtype()), [&]<typename T>() {
      T* s = self.data<T>();
      const T* v = values.data<T>();
      walk<3>(w.shape, {&value_strides, &w.self_strides, &w.off_strides},
              [&](const std::array<int64_t, 3>& p) { s[p[1] + offs[p[2]]] = v[p[0]]; });
    });
    return;
  }
  dispatch_all(self.dtype(), [&]<typename T>() {
    T* s = self.data<T>();
    const T* v = values.data<T>();
    walk<3>(w.shape, {&value_strides, &w.self_strides, &w.off_strides}, [&](const std::array<int64_t, 3>& p) {
      T& dst = s[p[1] + offs[p[2]]];
      if constexpr (std::is_same_v<T, bool>) {
        dst = dst || v[p[0]];
      } else {
        dst = static_cast<T>(dst + v[p[0]]);
      }
    });
  });
}

void gather(const Tensor& out, const Tensor& self, int64_t dim, const Tensor& index) {
  const DimVector& shape = index.sizes();
  const DimVector out_strides = out.strides(), idx_strides = index.strides();
  DimVector self_strides = self.dim() == 0 ? DimVector(shape.size(), 0) : self.strides();
  const int64_t size = self.dim() == 0 ? 1 : self.sizes()[dim];
  const int64_t dim_stride = self.dim() == 0 ? 0 : self_strides[dim];
  if (self.dim() > 0) self_strides[dim] = 0;
  dispatch_bytes(itemsize(self.dtype()), [&]<typename T>() {
    T* o = out.data<T>();
    const T* s = self.data<T>();
    walk<3>(shape, {&out_strides, &self_strides, &idx_strides}, [&](const std::array<int64_t, 3>& p) {
      int64_t i = read_index(index, p[2]);
      BIBUN_CHECK(i >= 0 && i < size, "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
      o[p[0]] = s[p[1] + i * dim_stride];
    });
  });
}

void scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src, Scalar value,
             ScatterReduce reduce) {
  const DimVector& shape = index.sizes();
  const DimVector idx_strides = index.strides();
  DimVector self_strides = self.dim() == 0 ? DimVector(shape.size(), 0) : self.strides();
  const int64_t size = self.dim() == 0 ? 1 : self.sizes()[dim];
  const int64_t dim_stride = self.dim() == 0 ? 0 : self_strides[dim];
  if (self.dim() > 0) self_strides[dim] = 0;
  const DimVector src_strides = src.defined() && src.dim() > 0 ? src.strides() : DimVector(shape.size(), 0);
  dispatch_all(self.dtype(), [&]<typename T>() {
    T* s = self.data<T>();
    const T* v = src.defined() ? src.data<T>() : nullptr;
    const T fill = value.to<T>();
    walk<3>(shape, {&self_strides, &idx_strides, &src_strides}, [&](const std::array<int64_t, 3>& p) {
      int64_t i = read_index(index, p[1]);
      BIBUN_CHECK(i >= 0 && i < size, "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
      T& dst = s[p[0] + i * dim_stride];
      const T x = v ? v[p[2]] : fill;
      if (reduce == ScatterReduce::None) {
        dst = x;
      } else if constexpr (std::is_same_v<T, bool>) {
        dst = reduce == ScatterReduce::Add ? (dst || x) : (dst && x);
      } else {
        dst = reduce == ScatterReduce::Add ? static_cast<T>(dst + x) : static_cast<T>(dst * x);
      }
    });
  });
}

int64_t count_nonzero(const Tensor& self) {
  const DimVector strides = self.strides();
  int64_t count = 0;
  dispatch_all(self.dtype(), [&]<typename T>() {
    const T* s = self.data<T>();
    walk<1>(self.sizes(), {&strides}, [&](const std::array<int64_t, 1>& p) { count += s[p[0]] != T(0); });
  });
  return count;
}

void nonzero(const Tensor& out, const Tensor& self) {
  const DimVector& shape = self.sizes();
  const DimVector strides = self.strides();
  const int64_t nd = self.dim();
  if (out.numel() == 0) return;
  int64_t* o = out.data<int64_t>();
  dispatch_all(self.dtype(), [&]<typename T>() {
    const T* s = self.data<T>();
    DimVector coord(nd, 0);
    int64_t row = 0;
    // Row-major walk keeping the coordinate for the output rows.
    const DimVector contiguous = contiguous_strides(shape);
    walk<2>(shape, {&strides, &contiguous}, [&](const std::array<int64_t, 2>& p) {
      if (s[p[0]] != T(0)) {
        int64_t lin = p[1];
        for (int64_t d = nd - 1; d >= 0; --d) {
          o[row * nd + d] = lin % shape[d];
          lin /= shape[d];
        }
        ++row;
      }
    });
  });
}

}  // namespace bibun::kernels::indexing
