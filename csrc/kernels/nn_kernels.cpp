// Loops of the nn ops: softmax over one dim, nll_loss gathers, elementwise binary cross entropy,
// random fills on top of the generator's rand/randn.
#include "kernels/nn_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/fill_kernels.h"
#include "kernels/kernels.h"
#include "kernels/parallel.h"

namespace bibun::kernels {

namespace {
int64_t prod(const DimVector& s, int64_t begin, int64_t end) {
  int64_t p = 1;
  for (int64_t i = begin; i < end; ++i) p *= s[i];
  return p;
}
}  // namespace

void softmax(const Tensor& out, const Tensor& in, int64_t dim, bool log) {
  BIBUN_ASSERT(in.is_contiguous() && out.is_contiguous());
  const int64_t nd = in.dim();
  const int64_t outer = nd == 0 ? 1 : prod(in.sizes(), 0, dim);
  const int64_t n = nd == 0 ? 1 : in.sizes()[dim];
  const int64_t inner = nd == 0 ? 1 : prod(in.sizes(), dim + 1, nd);
  if (in.numel() == 0) return;
  dispatch_floating(in.dtype(), log ? "log_softmax_lastdim_kernel_impl" : "softmax_lastdim_kernel_impl",
                    [&]<typename T>() {
    const T* x = in.data<T>();
    T* y = out.data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i = 0; i < inner; ++i) {
        const T* xs = x + o * n * inner + i;
        T* ys = y + o * n * inner + i;
        double m = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < n; ++k) m = std::max(m, static_cast<double>(xs[k * inner]));
        if (std::isinf(m) && m < 0) m = 0;  // every entry -inf: exp(-inf - 0) = 0, result NaN as in PyTorch
        double s = 0;
        for (int64_t k = 0; k < n; ++k) s += std::exp(static_cast<double>(xs[k * inner]) - m);
        if (log) {
          const double lse = m + std::log(s);
          for (int64_t k = 0; k < n; ++k) ys[k * inner] = static_cast<T>(static_cast<double>(xs[k * inner]) - lse);
        } else {
          for (int64_t k = 0; k < n; ++k) ys[k * inner] = static_cast<T>(std::exp(static_cast<double>(xs[k * inner]) - m) / s);
        }
      }
    }
  });
}

double nll_loss(const Tensor& out, const Tensor& input, const Tensor& target, const Tensor& weight, NllShape sh,
                int64_t ignore_index) {
  BIBUN_ASSERT(input.is_contiguous() && target.is_contiguous() && out.is_contiguous());
  const int64_t* t = target.data<int64_t>();
  double total = 0;
  dispatch_floating(input.dtype(), "nll_loss", [&]<typename T>() {
    const T* x = input.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    T* o = out.data<T>();
    for (int64_t b = 0; b < sh.batch; ++b) {
      for (int64_t i = 0; i < sh.inner; ++i) {
        const int64_t cls = t[b * sh.inner + i];
        T& dst = o[b * sh.inner + i];
        if (cls == ignore_index) {
          dst = T(0);
          continue;
        }
        BIBUN_CHECK_T(IndexError, cls >= 0 && cls < sh.classes, "Target ", cls, " is out of bounds.");
        const T wt = w ? w[cls] : T(1);
        dst = -wt * x[(b * sh.classes + cls) * sh.inner + i];
        total += static_cast<double>(wt);
      }
    }
  });
  return total;
}

void nll_loss_coeff(const Tensor& coeff, const Tensor& target, const Tensor& weight, NllShape sh, int64_t ignore_index,
                    double scale) {
  BIBUN_ASSERT(coeff.is_contiguous() && target.is_contiguous());
  const int64_t* t = target.data<int64_t>();
  dispatch_floating(coeff.dtype(), "nll_loss_backward", [&]<typename T>() {
    T* c = coeff.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    std::fill(c, c + coeff.numel(), T(0));
    for (int64_t b = 0; b < sh.batch; ++b) {
      for (int64_t i = 0; i < sh.inner; ++i) {
        const int64_t cls = t[b * sh.inner + i];
        if (cls == ignore_index || cls < 0 || cls >= sh.classes) continue;
        const double wt = w ? static_cast<double>(w[cls]) : 1.0;
        c[(b * sh.classes + cls) * sh.inner + i] = static_cast<T>(-wt * scale);
      }
    }
  });
}

void binary_cross_entropy(const Tensor& out, const Tensor& input, const Tensor& target) {
  BIBUN_ASSERT(input.is_contiguous() && target.is_contiguous() && out.is_contiguous());
  dispatch_floating(input.dtype(), "binary_cross_entropy", [&]<typename T>() {
    const T* x = input.data<T>();
    const T* t = target.data<T>();
    T* o = out.data<T>();
    const int64_t n = input.numel();
    for (int64_t i = 0; i < n; ++i)
      BIBUN_CHECK(x[i] >= T(0) && x[i] <= T(1), "all elements of input should be between 0 and 1");
    for (int64_t i = 0; i < n; ++i) {
      const T log_x = std::max(std::log(x[i]), T(-100));
      const T log_1mx = std::max(std::log1p(-x[i]), T(-100));
      o[i] = (t[i] - T(1)) * log_1mx - t[i] * log_x;
    }
  });
}

namespace {
template <typename T, typename F>
void map_dense(const Tensor& out, const Tensor& in, F f) {
  const T* x = in.data<T>();
  T* y = out.data<T>();
  parallel_for(in.numel(), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = f(x[i]);
  });
}

const char* act_name(Act op) {
  switch (op) {
    case Act::LeakyRelu: return "leaky_relu_cpu";
    case Act::Elu: return "elu_cpu";
    case Act::Gelu:
    case Act::GeluTanh: return "GeluKernelImpl";
    case Act::Silu: return "silu_cpu";
    case Act::Mish: return "mish_cpu";
    case Act::Softplus: return "softplus_cpu";
    case Act::Hardtanh: return "hardtanh_cpu";
    case Act::Hardsigmoid: return "hardsigmoid_cpu";
    case Act::Hardswish: return "hardswish_cpu";
    case Act::Threshold: return "threshold_cpu";
  }
  return "activation";
}

template <typename T>
T softplus1(T x) {
  return x > T(0) ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
}
}  // namespace

void activation(Act op, const Tensor& out, const Tensor& in, ActParams p) {
  BIBUN_ASSERT(in.is_contiguous() && out.is_contiguous() && in.dtype() == out.dtype());
  if (op == Act::Hardtanh || op == Act::Threshold) {
    BIBUN_CHECK_T(NotImplementedError, in.dtype() != ScalarType::Bool, "\"", act_name(op), "\" not implemented for 'Bool'");
    dispatch_all(in.dtype(), [&]<typename T>() {
      if constexpr (!std::is_same_v<T, bool>) {
        if (op == Act::Hardtanh) {
          const T lo = static_cast<T>(p.a), hi = static_cast<T>(p.b);
          map_dense<T>(out, in, [=](T x) { return x < lo ? lo : (x > hi ? hi : x); });  // NaN passes through
        } else {
          const double th = p.a;
          const T value = static_cast<T>(p.b);
          map_dense<T>(out, in, [=](T x) { return static_cast<double>(x) <= th ? value : x; });
        }
      }
    });
    return;
  }
  dispatch_floating(in.dtype(), act_name(op), [&]<typename T>() {
    switch (op) {
      case Act::LeakyRelu: {
        const T s = static_cast<T>(p.a);
        map_dense<T>(out, in, [=](T x) { return x > T(0) ? x : x * s; });
        break;
      }
      case Act::Elu: {
        const T alpha = static_cast<T>(p.a), scale = static_cast<T>(p.b), input_scale = static_cast<T>(p.c);
        map_dense<T>(out, in, [=](T x) { return x > T(0) ? x * scale : std::expm1(x * input_scale) * alpha * scale; });
        break;
      }
      case Act::Gelu:
        map_dense<T>(out, in, [](T x) {
          const T d = x;
          return T(0.5) * d * (T(1) + std::erf(d * T(0.70710678118654752440)));
        });
        break;
      case Act::GeluTanh:
        map_dense<T>(out, in, [](T x) {
          const T d = x, beta = T(1.41421356237309504880 * 1.12837916709551257390 * 0.5);
          return T(0.5) * d * (T(1) + std::tanh(beta * (d + T(0.044715) * d * d * d)));
        });
        break;
      case Act::Silu:
        map_dense<T>(out, in, [](T x) {
          const T d = x;
          return d / (T(1) + std::exp(-d));
        });
        break;
      case Act::Mish:
        map_dense<T>(out, in, [](T x) {
          const T d = x;
          return d * std::tanh(softplus1(d));
        });
        break;
      case Act::Softplus: {
        const T beta = static_cast<T>(p.a), threshold = static_cast<T>(p.b);
        map_dense<T>(out, in, [=](T x) {
          const T z = x * beta;
          return z > threshold ? x : softplus1(z) / beta;
        });
        break;
      }
      case Act::Hardsigmoid:
        map_dense<T>(out, in, [](T x) {
          const T d = x;
          return std::min(std::max(d + T(3), T(0)), T(6)) / T(6);
        });
        break;
      case Act::Hardswish:
        map_dense<T>(out, in, [](T x) {
          const T d = x;
          return d * std::min(std::max(d + T(3), T(0)), T(6)) / T(6);
        });
        break;
      default: break;
    }
  });
}

void uniform(const Tensor& out, double from, double to) {
  BIBUN_ASSERT(out.is_contiguous());
  rand(out);
  dispatch_floating(out.dtype(), "uniform_", [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(static_cast<double>(o[i]) * (to - from) + from);
  });
}

void normal(const Tensor& out, double mean, double std) {
  BIBUN_ASSERT(out.is_contiguous());
  randn(out);
  dispatch_floating(out.dtype(), "normal_kernel_cpu", [&]<typename T>() {
    T* o = out.data<T>();
    const int64_t n = out.numel();
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(static_cast<double>(o[i]) * std + mean);
  });
}

}  // namespace bibun::kernels
