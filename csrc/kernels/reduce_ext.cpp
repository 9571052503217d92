// Row kernels of the reductions and scans with dim (reduce_ext.h). Floats accumulate in double,
// integers in int64; rows run in parallel when the input is large.
#include "kernels/reduce_ext.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "tensor/tensor_impl.h"

namespace bibun::kernels {

namespace {

Tensor contiguous_buffer(const DimVector& sizes, ScalarType dtype) {
  return Tensor(make_intrusive<TensorImpl>(Storage::allocate(numel_of(sizes) * itemsize(dtype)), 0, sizes,
                                           contiguous_strides(sizes), dtype));
}

Tensor contiguous_copy(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = contiguous_buffer(t.sizes(), t.dtype());
  copy(out, t);
  return out;
}

// f(begin, end) over rows, split across threads when the whole input is large.
template <typename F>
void for_rows(int64_t rows, int64_t cols, F&& f) {
  if (rows > 1 && rows * cols >= 2 * kGrainSize) {
    int64_t n = rows;
    // parallel_for splits by its own n; scale so its grain check sees the element count.
    parallel_for(n * cols, [&](int64_t b, int64_t e) {
      int64_t rb = b / cols, re = (e + cols - 1) / cols;
      if (b % cols != 0) ++rb;  // the row starting before b belongs to the previous chunk
      f(rb, std::min(re, n));
    });
    return;
  }
  f(int64_t{0}, rows);
}

template <typename T>
bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
  return false;
}

template <typename T>
using Acc = typename AccType<T>::type;

// Position of the max (min) in a row: the first NaN, else the first extreme value.
template <typename T>
int64_t extreme_index(const T* x, int64_t n, bool is_max) {
  int64_t best = 0;
  for (int64_t j = 0; j < n; ++j) {
    if (is_nan(x[j])) return j;
    if (is_max ? x[j] > x[best] : x[j] < x[best]) best = j;
  }
  return best;
}

template <typename T>
void reduce_typed(RowReduce op, const T* in, int64_t rows, int64_t cols, const Tensor& out, const Tensor& index,
                  double arg) {
  int64_t* idx = index.defined() && op != RowReduce::Var ? index.data<int64_t>() : nullptr;
  for_rows(rows, cols, [&](int64_t rb, int64_t re) {
    std::vector<int64_t> order;
    std::vector<std::pair<T, int64_t>> pairs;
    for (int64_t r = rb; r < re; ++r) {
      const T* x = in + r * cols;
      switch (op) {
        case RowReduce::Prod: {
          Acc<T> p = 1;
          for (int64_t j = 0; j < cols; ++j) p *= static_cast<Acc<T>>(x[j]);
          out.data<T>()[r] = static_cast<T>(p);
          break;
        }
        case RowReduce::NanSum: {
          Acc<T> s = 0;
          for (int64_t j = 0; j < cols; ++j)
            if (!is_nan(x[j])) s += static_cast<Acc<T>>(x[j]);
          out.data<T>()[r] = static_cast<T>(s);
          break;
        }
        case RowReduce::CountNonzero: {
          int64_t c = 0;
          for (int64_t j = 0; j < cols; ++j) c += x[j] != T(0);
          out.data<int64_t>()[r] = c;
          break;
        }
        case RowReduce::Amax:
        case RowReduce::Amin:
        case RowReduce::Max:
        case RowReduce::Min: {
          bool is_max = op == RowReduce::Amax || op == RowReduce::Max;
          int64_t j = extreme_index(x, cols, is_max);
          out.data<T>()[r] = x[j];
          if (idx) idx[r] = j;
          break;
        }
        case RowReduce::Median: {
          int64_t nan_at = -1;
          for (int64_t j = 0; j < cols && nan_at < 0; ++j)
            if (is_nan(x[j])) nan_at = j;
          if (nan_at >= 0) {
            out.data<T>()[r] = x[nan_at];
            if (idx) idx[r] = nan_at;
            break;
          }
          if (cols == 0) {  // whole-tensor median of an empty tensor: PyTorch's NaN cast to T
            if constexpr (std::is_floating_point_v<T>) out.data<T>()[r] = std::numeric_limits<T>::quiet_NaN();
            else if constexpr (std::is_same_v<T, bool>) out.data<T>()[r] = true;
            else out.data<T>()[r] = std::numeric_limits<T>::min();
            break;
          }
          // The lower median, ties ordered by position so the index is deterministic.
          order.resize(cols);
          std::iota(order.begin(), order.end(), int64_t{0});
          auto nth = order.begin() + (cols - 1) / 2;
          std::nth_element(order.begin(), nth, order.end(),
                           [x](int64_t a, int64_t b) { return x[a] < x[b] || (x[a] == x[b] && a < b); });
          out.data<T>()[r] = x[*nth];
          if (idx) idx[r] = *nth;
          break;
        }
        case RowReduce::Mode: {
          // PyTorch's CPU mode: (value, position) pairs sorted by value alone with std::sort, then
          // the first run of maximal length; its value and the position that ends the run. Kept
          // as is (not a stable sort) so that ties and NaN land where PyTorch's do.
          pairs.resize(cols);
          for (int64_t j = 0; j < cols; ++j) pairs[j] = {x[j], j};
          std::sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
          int64_t best = 0, run = 0;
          T value = cols ? pairs[0].first : T(0);
          int64_t at = 0;
          for (int64_t j = 0; j < cols; ++j) {
            ++run;
            if (j == cols - 1 || pairs[j].first != pairs[j + 1].first) {
              if (run > best) value = pairs[j].first, at = pairs[j].second, best = run;
              run = 0;
            }
          }
          out.data<T>()[r] = value;
          if (idx) idx[r] = at;
          break;
        }
        case RowReduce::Var: {
          // Welford's update, as PyTorch's: infinities give the same NaNs in var and mean.
          if constexpr (std::is_floating_point_v<T>) {
            double mean = 0, m2 = 0;
            for (int64_t j = 0; j < cols; ++j) {
              double delta = x[j] - mean;
              mean += delta / static_cast<double>(j + 1);
              m2 += delta * (x[j] - mean);
            }
            double dof = std::max(0.0, static_cast<double>(cols) - arg);
            out.data<T>()[r] = static_cast<T>(m2 / dof);
            if (index.defined()) index.data<T>()[r] = static_cast<T>(cols == 0 ? std::nan("") : mean);
          }
          break;
        }
        case RowReduce::Logsumexp: {
          if constexpr (std::is_floating_point_v<T>) {
            double m = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < cols; ++j) m = std::max(m, static_cast<double>(x[j]));
            if (std::isinf(m)) m = 0;  // all -inf (or an inf) needs no shift
            double s = 0;
            for (int64_t j = 0; j < cols; ++j) s += std::exp(x[j] - m);
            out.data<T>()[r] = static_cast<T>(std::log(s) + m);
          }
          break;
        }
      }
    }
  });
}

template <typename T>
void scan_typed(RowScan op, const T* in, int64_t rows, int64_t cols, const Tensor& out, const Tensor& index) {
  T* o = out.data<T>();
  int64_t* idx = index.defined() ? index.data<int64_t>() : nullptr;
  for_rows(rows, cols, [&](int64_t rb, int64_t re) {
    for (int64_t r = rb; r < re; ++r) {
      const T* x = in + r * cols;
      T* y = o + r * cols;
      switch (op) {
        case RowScan::Cumsum: {
          Acc<T> s = 0;
          for (int64_t j = 0; j < cols; ++j) y[j] = static_cast<T>(s += static_cast<Acc<T>>(x[j]));
          break;
        }
        case RowScan::Cumprod: {
          Acc<T> p = 1;
          for (int64_t j = 0; j < cols; ++j) y[j] = static_cast<T>(p *= static_cast<Acc<T>>(x[j]));
          break;
        }
        case RowScan::Cummax:
        case RowScan::Cummin: {
          // PyTorch's rule: a NaN or a value >= (<=) the running one takes over, so ties move the index on.
          bool is_max = op == RowScan::Cummax;
          T best{};
          int64_t at = 0;
          for (int64_t j = 0; j < cols; ++j) {
            if (j == 0 || is_nan(x[j]) || (!is_nan(best) && (is_max ? x[j] >= best : x[j] <= best))) {
              best = x[j];
              at = j;
            }
            y[j] = best;
            idx[r * cols + j] = at;
          }
          break;
        }
      }
    }
  });
}

}  // namespace

Rows to_rows(const Tensor& in, const std::vector<int64_t>& dims) {
  const int64_t nd = in.dim();
  std::vector<bool> reduced(std::max<int64_t>(nd, 1), false);
  for (int64_t d : dims) reduced[d] = true;
  DimVector sizes, strides;
  Rows r;
  for (int pass = 0; pass < 2; ++pass) {
    for (int64_t d = 0; d < nd; ++d) {
      if (reduced[d] != (pass == 1)) continue;
      sizes.push_back(in.sizes()[d]);
      strides.push_back(in.strides()[d]);
      (pass == 0 ? r.rows : r.cols) *= in.sizes()[d];
    }
  }
  Tensor view(make_intrusive<TensorImpl>(in->storage(), in->offset(), sizes, strides, in.dtype()));
  r.data = contiguous_copy(view);
  return r;
}

void reduce_rows(RowReduce op, const Rows& in, const Tensor& out, const Tensor& index, double arg) {
  BIBUN_ASSERT(out.is_contiguous() && out.numel() == in.rows);
  dispatch_all(in.data.dtype(), [&]<typename T>() {
    reduce_typed<T>(op, in.data.data<T>(), in.rows, in.cols, out, index, arg);
  });
}

void scan_rows(RowScan op, const Rows& in, const Tensor& out, const Tensor& index) {
  BIBUN_ASSERT(out.is_contiguous() && out.dtype() == in.data.dtype());
  dispatch_all(in.data.dtype(), [&]<typename T>() { scan_typed<T>(op, in.data.data<T>(), in.rows, in.cols, out, index); });
}

}  // namespace bibun::kernels
