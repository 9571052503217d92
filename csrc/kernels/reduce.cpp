// Reductions over any set of dims: an accumulator shaped like the output is broadcast
// (stride 0) over the reduced dims and walked together with the input by the strided loop.
#include <cmath>
#include <limits>

#include <algorithm>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/parallel.h"
#include "kernels/strided_loop.h"

namespace bibun::kernels {

namespace {

// The accumulator seen with the input's shape: stride 0 on reduced dims.
Tensor broadcast_view(const Tensor& acc, const DimVector& in_sizes) {
  DimVector strides = acc.strides();
  for (size_t d = 0; d < in_sizes.size(); ++d)
    if (acc.sizes()[d] == 1) strides[d] = 0;
  return Tensor(make_intrusive<TensorImpl>(acc->storage(), acc->offset(), in_sizes, strides, acc.dtype()));
}

template <typename Acc, typename T, typename Combine>
void accumulate(const Tensor& acc, const Tensor& in, Combine combine) {
  Tensor view = broadcast_view(acc, in.sizes());
  auto plan = make_plan<2>(in.sizes(), {&view, &in});
  for_each_run(plan, [&](char** data, const int64_t* strides, int64_t n) {
    if (strides[0] == 0) {
      Acc a = *reinterpret_cast<Acc*>(data[0]);
      if (strides[1] == static_cast<int64_t>(sizeof(T))) {
        const T* x = reinterpret_cast<const T*>(data[1]);
        for (int64_t i = 0; i < n; ++i) a = combine(a, x[i]);
      } else {
        for (int64_t i = 0; i < n; ++i) a = combine(a, *reinterpret_cast<const T*>(data[1] + i * strides[1]));
      }
      *reinterpret_cast<Acc*>(data[0]) = a;
      return;
    }
    for (int64_t i = 0; i < n; ++i) {
      Acc* a = reinterpret_cast<Acc*>(data[0] + i * strides[0]);
      *a = combine(*a, *reinterpret_cast<const T*>(data[1] + i * strides[1]));
    }
  });
}

Tensor new_like_shape(const DimVector& sizes, ScalarType dtype) {
  return Tensor(make_intrusive<TensorImpl>(Storage::allocate(numel_of(sizes) * itemsize(dtype)), 0, sizes,
                                           contiguous_strides(sizes), dtype));
}

// Sum of a contiguous run: fixed blocks summed in double, then a pairwise (tree) sum of the block
// sums, the blocks spread over threads. Rounding error grows with log(n / block), not n.
template <typename T>
double blocked_sum(const T* x, int64_t n) {
  constexpr int64_t kBlock = 1024;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks, 0.0);
  parallel_for(n, [&](int64_t begin, int64_t end) {
    for (int64_t b = (begin + kBlock - 1) / kBlock; b * kBlock < end; ++b) {
      double s = 0;
      const int64_t stop = std::min(n, (b + 1) * kBlock);
      for (int64_t i = b * kBlock; i < stop; ++i) s += static_cast<double>(x[i]);
      partial[b] = s;
    }
  });
  for (int64_t width = 1; width < blocks; width *= 2)
    for (int64_t i = 0; i + width < blocks; i += 2 * width) partial[i] += partial[i + width];
  return blocks ? partial[0] : 0.0;
}

}  // namespace

void reduce(ReduceOp op, const Tensor& out, const Tensor& in, const DimVector& dims, double p) {
  (void)dims;  // `out`'s size-1 dims say which dims are reduced
  BIBUN_ASSERT(out.dim() == in.dim());  // keepdim layout
  switch (op) {
    case ReduceOp::All:
    case ReduceOp::Any: {
      bool all = op == ReduceOp::All;
      Tensor acc = new_like_shape(out.sizes(), ScalarType::Bool);
      fill(acc, Scalar(all));
      dispatch_all(in.dtype(), [&]<typename T>() {
        if (all) accumulate<bool, T>(acc, in, [](bool a, T x) { return a && x != T(0); });
        else accumulate<bool, T>(acc, in, [](bool a, T x) { return a || x != T(0); });
      });
      copy(out, acc);
      return;
    }
    case ReduceOp::Sum: {
      if (out.numel() == 1 && in.is_contiguous() && is_floating(in.dtype())) {
        dispatch_floating(in.dtype(), "sum", [&]<typename T>() {
          out.data<T>()[0] = static_cast<T>(blocked_sum(in.data<T>(), in.numel()));
        });
        return;
      }
      dispatch_all(in.dtype(), [&]<typename T>() {
        using Acc = typename AccType<T>::type;
        Tensor acc = new_like_shape(out.sizes(), scalar_type_of<Acc>());
        fill(acc, Scalar(int64_t{0}));
        accumulate<Acc, T>(acc, in, [](Acc a, T x) { return a + static_cast<Acc>(x); });
        copy(out, acc);
      });
      return;
    }
    case ReduceOp::Max:
    case ReduceOp::Min: {
      bool is_max = op == ReduceOp::Max;
      dispatch_all(in.dtype(), [&]<typename T>() {
        Tensor acc = new_like_shape(out.sizes(), in.dtype());
        // Seed with the first element along the reduced dims: copy of a narrowed view is
        // complex; the identity of max/min works for every dtype instead.
        if constexpr (std::is_same_v<T, bool>) {
          fill(acc, Scalar(!is_max));
        } else if constexpr (std::is_floating_point_v<T>) {
          fill(acc, Scalar(static_cast<double>(is_max ? -std::numeric_limits<T>::infinity()
                                                      : std::numeric_limits<T>::infinity())));
        } else {
          fill(acc, Scalar(static_cast<int64_t>(is_max ? std::numeric_limits<T>::lowest()
                                                       : std::numeric_limits<T>::max())));
        }
        auto pick = [is_max](T a, T x) {
          if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(a) || std::isnan(x)) return std::numeric_limits<T>::quiet_NaN();
          }
          return is_max ? (x > a ? x : a) : (x < a ? x : a);
        };
        accumulate<T, T>(acc, in, pick);
        copy(out, acc);
      });
      return;
    }
    case ReduceOp::NormP:
    case ReduceOp::NormInf:
    case ReduceOp::NormNegInf:
    case ReduceOp::Norm0: {
      dispatch_floating(in.dtype(), "linalg_vector_norm", [&]<typename T>() {
        Tensor acc = new_like_shape(out.sizes(), ScalarType::Float64);
        double* a = acc.data<double>();
        if (op == ReduceOp::NormP || op == ReduceOp::Norm0) {
          fill(acc, Scalar(0.0));
          if (op == ReduceOp::Norm0) accumulate<double, T>(acc, in, [](double s, T x) { return s + (x != T(0)); });
          else if (p == 2.0) accumulate<double, T>(acc, in, [](double s, T x) { return s + double(x) * double(x); });
          else if (p == 1.0) accumulate<double, T>(acc, in, [](double s, T x) { return s + std::abs(double(x)); });
          else accumulate<double, T>(acc, in, [p](double s, T x) { return s + std::pow(std::abs(double(x)), p); });
          if (op == ReduceOp::NormP && p != 1.0) {
            for (int64_t i = 0; i < acc.numel(); ++i) a[i] = p == 2.0 ? std::sqrt(a[i]) : std::pow(a[i], 1.0 / p);
          }
        } else {
          bool inf = op == ReduceOp::NormInf;
          fill(acc, Scalar(inf ? 0.0 : std::numeric_limits<double>::infinity()));
          accumulate<double, T>(acc, in, [inf](double s, T x) {
            double v = std::abs(double(x));
            if (std::isnan(v) || std::isnan(s)) return std::numeric_limits<double>::quiet_NaN();
            return inf ? std::max(s, v) : std::min(s, v);
          });
        }
        copy(out, acc);
      });
      return;
    }
  }
}

}  // namespace bibun::kernels
