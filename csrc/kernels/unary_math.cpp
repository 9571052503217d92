// Elementwise loops of the unary math ops over the shared strided loop (loop_helpers.h).
#include "kernels/unary_math.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/loop_helpers.h"

namespace bibun::kernels {

using loop::run;

namespace {

// PyTorch's calc_erfinv: a rational first guess refined by two Newton steps.
template <typename T>
T erfinv_of(T y) {
  constexpr double a[4] = {0.886226899, -1.645349621, 0.914624893, -0.140543331};
  constexpr double b[4] = {-2.118377725, 1.442710462, -0.329097515, 0.012229801};
  constexpr double c[4] = {-1.970840454, -1.624906493, 3.429567803, 1.641345311};
  constexpr double d[2] = {3.543889200, 1.637067800};
  const double yd = static_cast<double>(y), y_abs = std::abs(yd);
  if (std::isnan(yd) || y_abs > 1.0) return std::numeric_limits<T>::quiet_NaN();
  if (y_abs == 1.0) return std::copysign(std::numeric_limits<T>::infinity(), y);
  double x;
  if (y_abs <= 0.7) {
    const double z = yd * yd;
    const double num = ((a[3] * z + a[2]) * z + a[1]) * z + a[0];
    const double dem = (((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1.0;
    x = yd * num / dem;
  } else {
    const double z = std::sqrt(-std::log((1.0 - y_abs) / 2.0));
    const double num = ((c[3] * z + c[2]) * z + c[1]) * z + c[0];
    const double dem = (d[1] * z + d[0]) * z + 1.0;
    x = std::copysign(num / dem, yd);
  }
  const double two_over_sqrt_pi = 1.1283791670955126;
  x -= (std::erf(x) - yd) / (two_over_sqrt_pi * std::exp(-x * x));
  x -= (std::erf(x) - yd) / (two_over_sqrt_pi * std::exp(-x * x));
  return static_cast<T>(x);
}

const char* kernel_name(MathOp op) {
  switch (op) {
    case MathOp::Floor: return "floor_vml_cpu";
    case MathOp::Ceil: return "ceil_vml_cpu";
    case MathOp::Round: return "round_vml_cpu";
    case MathOp::Trunc: return "trunc_vml_cpu";
    case MathOp::Frac: return "frac_cpu";
    default: return "unary_math";
  }
}

bool is_rounding(MathOp op) {
  return op == MathOp::Floor || op == MathOp::Ceil || op == MathOp::Round || op == MathOp::Trunc;
}

}  // namespace

void unary_math(MathOp op, const Tensor& out, const Tensor& a) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  if (is_rounding(op) && is_integral(a.dtype(), false)) {
    dispatch_all(a.dtype(), [&]<typename T>() { run<T, T>(plan, [](T x) { return x; }); });
    return;
  }
  dispatch_floating(a.dtype(), kernel_name(op), [&]<typename T>() {
    switch (op) {
      case MathOp::Exp2: run<T, T>(plan, [](T x) { return std::exp2(x); }); break;
      case MathOp::Expm1: run<T, T>(plan, [](T x) { return std::expm1(x); }); break;
      case MathOp::Log2: run<T, T>(plan, [](T x) { return std::log2(x); }); break;
      case MathOp::Log10: run<T, T>(plan, [](T x) { return std::log10(x); }); break;
      case MathOp::Log1p: run<T, T>(plan, [](T x) { return std::log1p(x); }); break;
      case MathOp::Rsqrt: run<T, T>(plan, [](T x) { return T(1) / std::sqrt(x); }); break;
      case MathOp::Sin: run<T, T>(plan, [](T x) { return std::sin(x); }); break;
      case MathOp::Cos: run<T, T>(plan, [](T x) { return std::cos(x); }); break;
      case MathOp::Tan: run<T, T>(plan, [](T x) { return std::tan(x); }); break;
      case MathOp::Asin: run<T, T>(plan, [](T x) { return std::asin(x); }); break;
      case MathOp::Acos: run<T, T>(plan, [](T x) { return std::acos(x); }); break;
      case MathOp::Atan: run<T, T>(plan, [](T x) { return std::atan(x); }); break;
      case MathOp::Sinh: run<T, T>(plan, [](T x) { return std::sinh(x); }); break;
      case MathOp::Cosh: run<T, T>(plan, [](T x) { return std::cosh(x); }); break;
      case MathOp::Tanh: run<T, T>(plan, [](T x) { return std::tanh(x); }); break;
      case MathOp::Asinh: run<T, T>(plan, [](T x) { return std::asinh(x); }); break;
      case MathOp::Acosh: run<T, T>(plan, [](T x) { return std::acosh(x); }); break;
      case MathOp::Atanh: run<T, T>(plan, [](T x) { return std::atanh(x); }); break;
      case MathOp::Erf: run<T, T>(plan, [](T x) { return std::erf(x); }); break;
      case MathOp::Erfc: run<T, T>(plan, [](T x) { return std::erfc(x); }); break;
      case MathOp::Erfinv: run<T, T>(plan, [](T x) { return erfinv_of(x); }); break;
      case MathOp::Floor: run<T, T>(plan, [](T x) { return std::floor(x); }); break;
      case MathOp::Ceil: run<T, T>(plan, [](T x) { return std::ceil(x); }); break;
      case MathOp::Round: run<T, T>(plan, [](T x) { return std::nearbyint(x); }); break;
      case MathOp::Trunc: run<T, T>(plan, [](T x) { return std::trunc(x); }); break;
      case MathOp::Frac: run<T, T>(plan, [](T x) { return x - std::trunc(x); }); break;
    }
  });
}

void round_decimals(const Tensor& out, const Tensor& a, int64_t decimals) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_floating(a.dtype(), "round_cpu", [&]<typename T>() {
    const bool negative = decimals < 0;
    const T ten_pow = static_cast<T>(std::pow(10.0, static_cast<double>(negative ? -decimals : decimals)));
    if (negative) run<T, T>(plan, [ten_pow](T x) { return std::nearbyint(x / ten_pow) * ten_pow; });
    else run<T, T>(plan, [ten_pow](T x) { return std::nearbyint(x * ten_pow) / ten_pow; });
  });
}

void logit(const Tensor& out, const Tensor& a, std::optional<double> eps) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_floating(a.dtype(), "logit_cpu", [&]<typename T>() {
    if (!eps) {
      run<T, T>(plan, [](T x) { return std::log(x / (T(1) - x)); });
      return;
    }
    const T lo = static_cast<T>(*eps), hi = static_cast<T>(1.0 - *eps);
    run<T, T>(plan, [lo, hi](T x) {
      T z = x < lo ? lo : (x > hi ? hi : x);
      return std::log(z / (T(1) - z));
    });
  });
}

void clamp(const Tensor& out, const Tensor& a, const Tensor& lo, const Tensor& hi) {
  dispatch_all(out.dtype(), [&]<typename T>() {
    auto nan_of = [](T x) {
      if constexpr (std::is_floating_point_v<T>) return std::isnan(x);
      else return false;
    };
    auto clamp_min = [nan_of](T x, T l) { return nan_of(x) ? x : (nan_of(l) ? l : (x < l ? l : x)); };
    auto clamp_max = [nan_of](T x, T h) { return nan_of(x) ? x : (nan_of(h) ? h : (x > h ? h : x)); };
    if (lo.defined() && hi.defined()) {
      auto plan = make_plan<4>(out.sizes(), {&out, &a, &lo, &hi});
      run<T, T, T, T>(plan, [=](T x, T l, T h) { return clamp_max(clamp_min(x, l), h); });
    } else if (lo.defined()) {
      auto plan = make_plan<3>(out.sizes(), {&out, &a, &lo});
      run<T, T, T>(plan, clamp_min);
    } else {
      auto plan = make_plan<3>(out.sizes(), {&out, &a, &hi});
      run<T, T, T>(plan, clamp_max);
    }
  });
}

void nan_to_num(const Tensor& out, const Tensor& a, double nan, std::optional<double> posinf,
                std::optional<double> neginf) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (!std::is_floating_point_v<T>) {
      run<T, T>(plan, [](T x) { return x; });
    } else {
      const T n = static_cast<T>(nan);
      const T p = posinf ? static_cast<T>(*posinf) : std::numeric_limits<T>::max();
      const T m = neginf ? static_cast<T>(*neginf) : std::numeric_limits<T>::lowest();
      run<T, T>(plan, [=](T x) { return std::isnan(x) ? n : (x == std::numeric_limits<T>::infinity() ? p : (x == -std::numeric_limits<T>::infinity() ? m : x)); });
    }
  });
}

void isfinite(const Tensor& out, const Tensor& a) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) run<bool, T>(plan, [](T x) { return std::isfinite(x); });
    else run<bool, T>(plan, [](T) { return true; });
  });
}

}  // namespace bibun::kernels
