// The binary elementwise family's loops (see binary_kernels.h).
#include "kernels/binary_kernels.h"

#include <cmath>
#include <limits>
#include <type_traits>

#include "kernels/loop_helpers.h"

namespace bibun::kernels {

namespace {

using loop::run;

const char* op_name(BinaryMathOp op) {
  switch (op) {
    case BinaryMathOp::DivTrunc: return "div_trunc_cpu";
    case BinaryMathOp::DivFloor: return "div_floor_cpu";
    case BinaryMathOp::Remainder: return "remainder_cpu";
    case BinaryMathOp::Fmod: return "fmod_cpu";
    case BinaryMathOp::Atan2: return "atan2_cpu";
    case BinaryMathOp::Fmax: return "fmax_cpu";
    case BinaryMathOp::Fmin: return "fmin_cpu";
    case BinaryMathOp::Hypot: return "hypot_cpu";
    case BinaryMathOp::Xlogy: return "xlogy_cpu";
    case BinaryMathOp::BitwiseAnd: return "bitwise_and_cpu";
    case BinaryMathOp::BitwiseOr: return "bitwise_or_cpu";
    case BinaryMathOp::BitwiseXor: return "bitwise_xor_cpu";
    default: return "logical_cpu";
  }
}

[[noreturn]] void not_implemented(const char* name, ScalarType t) {
  throw NotImplementedError(detail::str_cat("\"", name, "\" not implemented for '", c_type_name(t), "'"));
}

// PyTorch's floor division of floats: exact at the boundaries where floor(a / b) is not.
template <typename T>
T div_floor_float(T a, T b) {
  if (b == T(0)) return a / b;
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
  if (div == T(0)) return std::copysign(T(0), a / b);
  T floordiv = std::floor(div);
  if (div - floordiv > T(0.5)) floordiv += T(1);
  return floordiv;
}

template <typename T>
T div_floor_int(T a, T b) {
  T q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

template <typename T>
void run_float_op(BinaryMathOp op, const LoopPlan<3>& plan) {
  switch (op) {
    case BinaryMathOp::DivTrunc: run<T, T, T>(plan, [](T x, T y) { return std::trunc(x / y); }); break;
    case BinaryMathOp::DivFloor: run<T, T, T>(plan, [](T x, T y) { return div_floor_float(x, y); }); break;
    case BinaryMathOp::Remainder:
      run<T, T, T>(plan, [](T x, T y) {
        T mod = std::fmod(x, y);
        if (mod != T(0) && ((y < T(0)) != (mod < T(0)))) mod += y;
        return mod;
      });
      break;
    case BinaryMathOp::Fmod: run<T, T, T>(plan, [](T x, T y) { return std::fmod(x, y); }); break;
    case BinaryMathOp::Atan2: run<T, T, T>(plan, [](T x, T y) { return std::atan2(x, y); }); break;
    case BinaryMathOp::Fmax: run<T, T, T>(plan, [](T x, T y) { return std::fmax(x, y); }); break;
    case BinaryMathOp::Fmin: run<T, T, T>(plan, [](T x, T y) { return std::fmin(x, y); }); break;
    case BinaryMathOp::Hypot: run<T, T, T>(plan, [](T x, T y) { return std::hypot(x, y); }); break;
    case BinaryMathOp::Xlogy:
      run<T, T, T>(plan, [](T x, T y) {
        if (std::isnan(y)) return y;
        if (x == T(0)) return T(0);
        return x * std::log(y);
      });
      break;
    default: BIBUN_ASSERT(false);
  }
}

template <typename T>
void run_integral_op(BinaryMathOp op, const LoopPlan<3>& plan, ScalarType dtype) {
  constexpr bool is_bool = std::is_same_v<T, bool>;
  switch (op) {
    case BinaryMathOp::BitwiseAnd: run<T, T, T>(plan, [](T x, T y) { return static_cast<T>(x & y); }); return;
    case BinaryMathOp::BitwiseOr: run<T, T, T>(plan, [](T x, T y) { return static_cast<T>(x | y); }); return;
    case BinaryMathOp::BitwiseXor: run<T, T, T>(plan, [](T x, T y) { return static_cast<T>(x ^ y); }); return;
    case BinaryMathOp::Fmax: run<T, T, T>(plan, [](T x, T y) { return x > y ? x : y; }); return;
    case BinaryMathOp::Fmin: run<T, T, T>(plan, [](T x, T y) { return x < y ? x : y; }); return;
    default: break;
  }
  if constexpr (is_bool) {
    not_implemented(op_name(op), dtype);
  } else {
    switch (op) {
      case BinaryMathOp::DivTrunc: run<T, T, T>(plan, [](T x, T y) { return static_cast<T>(x / y); }); break;
      case BinaryMathOp::DivFloor: run<T, T, T>(plan, [](T x, T y) { return div_floor_int(x, y); }); break;
      case BinaryMathOp::Remainder:
        run<T, T, T>(plan, [](T x, T y) {
          T r = static_cast<T>(x % y);
          if (r != 0 && ((r < 0) != (y < 0))) r = static_cast<T>(r + y);
          return r;
        });
        break;
      case BinaryMathOp::Fmod: run<T, T, T>(plan, [](T x, T y) { return static_cast<T>(x % y); }); break;
      default: not_implemented(op_name(op), dtype);
    }
  }
}

}  // namespace

void binary_math(BinaryMathOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  auto plan = make_plan<3>(out.sizes(), {&out, &a, &b});
  if (op >= BinaryMathOp::LogicalAnd) {
    BIBUN_ASSERT(out.dtype() == ScalarType::Bool && a.dtype() == ScalarType::Bool && b.dtype() == ScalarType::Bool);
    switch (op) {
      case BinaryMathOp::LogicalAnd: run<bool, bool, bool>(plan, [](bool x, bool y) { return x && y; }); break;
      case BinaryMathOp::LogicalOr: run<bool, bool, bool>(plan, [](bool x, bool y) { return x || y; }); break;
      default: run<bool, bool, bool>(plan, [](bool x, bool y) { return x != y; }); break;
    }
    return;
  }
  const ScalarType dtype = a.dtype();
  dispatch_all(dtype, [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) {
      if (op >= BinaryMathOp::BitwiseAnd) not_implemented(op_name(op), dtype);
      run_float_op<T>(op, plan);
    } else {
      run_integral_op<T>(op, plan, dtype);
    }
  });
}

bool any_zero(const Tensor& a) {
  auto plan = make_plan<1>(a.sizes(), {&a});
  bool found = false;
  dispatch_all(a.dtype(), [&]<typename T>() {
    for_each_run(plan, [&](char** data, const int64_t* strides, int64_t n) {
      for (int64_t i = 0; i < n && !found; ++i) found = *reinterpret_cast<const T*>(data[0] + i * strides[0]) == T(0);
    });
  });
  return found;
}

void predicate(PredicateOp op, const Tensor& out, const Tensor& a) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) {
      constexpr T inf = std::numeric_limits<T>::infinity();
      switch (op) {
        case PredicateOp::IsNan: run<bool, T>(plan, [](T x) { return std::isnan(x); }); break;
        case PredicateOp::IsInf: run<bool, T>(plan, [](T x) { return std::isinf(x); }); break;
        case PredicateOp::IsPosInf: run<bool, T>(plan, [](T x) { return x == inf; }); break;
        case PredicateOp::IsNegInf: run<bool, T>(plan, [](T x) { return x == -inf; }); break;
        case PredicateOp::IsFinite: run<bool, T>(plan, [](T x) { return std::isfinite(x); }); break;
      }
    } else {
      const bool finite = op == PredicateOp::IsFinite;
      run<bool, T>(plan, [finite](T) { return finite; });
    }
  });
}

void bitwise_not(const Tensor& out, const Tensor& a) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) run<T, T>(plan, [](T x) { return !x; });
    else if constexpr (std::is_integral_v<T>) run<T, T>(plan, [](T x) { return static_cast<T>(~x); });
    else not_implemented("bitwise_not_cpu", a.dtype());
  });
}

namespace {
template <typename T>
T lerp_of(T self, T end, T w) {
  return std::abs(w) < T(0.5) ? self + w * (end - self) : end - (end - self) * (T(1) - w);
}
}  // namespace

void lerp(const Tensor& out, const Tensor& a, const Tensor& b, const Tensor& w) {
  auto plan = make_plan<4>(out.sizes(), {&out, &a, &b, &w});
  dispatch_floating(a.dtype(), "lerp_kernel_tensor", [&]<typename T>() {
    run<T, T, T, T>(plan, [](T x, T y, T z) { return lerp_of(x, y, z); });
  });
}

void lerp(const Tensor& out, const Tensor& a, const Tensor& b, Scalar w) {
  auto plan = make_plan<3>(out.sizes(), {&out, &a, &b});
  dispatch_floating(a.dtype(), "lerp_kernel_scalar", [&]<typename T>() {
    T wt = w.to<T>();
    run<T, T, T>(plan, [wt](T x, T y) { return lerp_of(x, y, wt); });
  });
}

void addcmul(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  auto plan = make_plan<4>(out.sizes(), {&out, &self, &t1, &t2});
  dispatch_all(out.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      not_implemented("addcmul_cpu_out", out.dtype());
    } else {
      T v = value.to<T>();
      run<T, T, T, T>(plan, [v](T s, T x, T y) { return static_cast<T>(s + v * x * y); });
    }
  });
}

void addcdiv(const Tensor& out, const Tensor& self, const Tensor& t1, const Tensor& t2, Scalar value) {
  auto plan = make_plan<4>(out.sizes(), {&out, &self, &t1, &t2});
  dispatch_floating(out.dtype(), "addcdiv_cpu_out", [&]<typename T>() {
    T v = value.to<T>();
    run<T, T, T, T>(plan, [v](T s, T x, T y) { return s + v * (x / y); });
  });
}

void isclose(const Tensor& out, const Tensor& a, const Tensor& b, double rtol, double atol, bool equal_nan) {
  auto plan = make_plan<3>(out.sizes(), {&out, &a, &b});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_floating_point_v<T>) {
      const T r = static_cast<T>(rtol), at = static_cast<T>(atol);
      run<bool, T, T>(plan, [r, at, equal_nan](T x, T y) {
        if (x == y) return true;
        if (std::isnan(x) || std::isnan(y)) return equal_nan && std::isnan(x) && std::isnan(y);
        T actual = std::abs(x - y);
        return std::isfinite(actual) && actual <= at + std::abs(r * y);
      });
    } else {
      // Integers compare their difference in the default float dtype's precision, as PyTorch.
      run<bool, T, T>(plan, [rtol, atol](T x, T y) {
        if (x == y) return true;
        double actual = std::abs(static_cast<double>(x) - static_cast<double>(y));
        return static_cast<float>(actual) <= static_cast<float>(atol + std::abs(rtol * static_cast<double>(y)));
      });
    }
  });
}

}  // namespace bibun::kernels
