// Elementwise kernels: unary, binary, pow, masked_fill, copy and fill over the strided loop.
#include <cmath>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/loop_helpers.h"
#include "kernels/vec_math.h"

namespace bibun::kernels {

namespace {

using loop::run;

// std::exp, or the vectorisable float32 one.
template <typename T>
T exp_of(T x) {
  if constexpr (std::is_same_v<T, float>) return vec::exp(x);
  else return std::exp(x);
}

template <typename T>
T sigmoid_of(T x) {
  return T(1) / (T(1) + exp_of(-x));
}
template <typename T>
T log_sigmoid_of(T x) {
  // log(sigmoid(x)) = min(x, 0) - log1p(exp(-|x|)), stable for both signs.
  return std::min(x, T(0)) - std::log1p(std::exp(-std::abs(x)));
}

// Integer + and * wrap around on overflow, as PyTorch's do; computed in the unsigned type, where
// wrapping is defined (in T it is undefined behaviour, which UBSan reports).
template <typename T>
T wrapping_add(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(x) + static_cast<U>(y));
  } else {
    return x + y;
  }
}
template <typename T>
T wrapping_mul(T x, T y) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(x) * static_cast<U>(y));
  } else {
    return x * y;
  }
}

template <typename T>
T int_pow(T base, T exp) {
  if constexpr (std::is_integral_v<T>) {
    if (exp < 0) return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
    T result = 1;
    while (exp) {
      if (exp & 1) result *= base;
      exp >>= 1;
      base *= base;
    }
    return result;
  } else {
    return std::pow(base, exp);
  }
}

}  // namespace

void unary(UnaryOp op, const Tensor& out, const Tensor& a) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  if (op == UnaryOp::LogicalNot) {
    BIBUN_ASSERT(out.dtype() == ScalarType::Bool);
    dispatch_all(a.dtype(), [&]<typename T>() { run<bool, T>(plan, [](T x) { return !x; }); });
    return;
  }
  if (op == UnaryOp::Neg || op == UnaryOp::Abs || op == UnaryOp::Sign) {
    dispatch_all(a.dtype(), [&]<typename T>() {
      if constexpr (std::is_same_v<T, bool>) {
        BIBUN_CHECK(op != UnaryOp::Neg,
                    "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a "
                    "mask, use the `~` or `logical_not()` operator instead.");
        run<T, T>(plan, [](T x) { return x; });
      } else if (op == UnaryOp::Neg) {
        run<T, T>(plan, [](T x) { return static_cast<T>(-x); });
      } else if (op == UnaryOp::Abs) {
        run<T, T>(plan, [](T x) { return static_cast<T>(x < 0 ? -x : x); });
      } else {
        run<T, T>(plan, [](T x) { return static_cast<T>((T(0) < x) - (x < T(0))); });
      }
    });
    return;
  }
  const char* names[] = {"neg", "exp", "log", "sigmoid", "log_sigmoid", "abs", "sign", "sqrt", "reciprocal", "logical_not"};
  dispatch_floating(a.dtype(), names[static_cast<int>(op)], [&]<typename T>() {
    switch (op) {
      case UnaryOp::Exp: run<T, T>(plan, [](T x) { return exp_of(x); }); break;
      case UnaryOp::Log: run<T, T>(plan, [](T x) { return std::log(x); }); break;
      case UnaryOp::Sigmoid: run<T, T>(plan, [](T x) { return sigmoid_of(x); }); break;
      case UnaryOp::LogSigmoid: run<T, T>(plan, [](T x) { return log_sigmoid_of(x); }); break;
      case UnaryOp::Sqrt: run<T, T>(plan, [](T x) { return std::sqrt(x); }); break;
      case UnaryOp::Reciprocal: run<T, T>(plan, [](T x) { return T(1) / x; }); break;
      default: BIBUN_ASSERT(false);
    }
  });
}

void binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, Scalar alpha) {
  auto plan = make_plan<3>(out.sizes(), {&out, &a, &b});
  loop::ScalarSlot a_slot, b_slot;
  if (op < BinaryOp::Eq) {  // arithmetic computes in the result's dtype
    loop::point_at_converted_scalar(plan, 1, a, out.dtype(), a_slot);
    loop::point_at_converted_scalar(plan, 2, b, out.dtype(), b_slot);
  }
  if (op >= BinaryOp::Eq) {
    BIBUN_ASSERT(out.dtype() == ScalarType::Bool);
    dispatch_all(a.dtype(), [&]<typename T>() {
      switch (op) {
        case BinaryOp::Eq: run<bool, T, T>(plan, [](T x, T y) { return x == y; }); break;
        case BinaryOp::Ne: run<bool, T, T>(plan, [](T x, T y) { return x != y; }); break;
        case BinaryOp::Lt: run<bool, T, T>(plan, [](T x, T y) { return x < y; }); break;
        case BinaryOp::Le: run<bool, T, T>(plan, [](T x, T y) { return x <= y; }); break;
        case BinaryOp::Gt: run<bool, T, T>(plan, [](T x, T y) { return x > y; }); break;
        case BinaryOp::Ge: run<bool, T, T>(plan, [](T x, T y) { return x >= y; }); break;
        default: BIBUN_ASSERT(false);
      }
    });
    return;
  }
  dispatch_all(out.dtype(), [&]<typename T>() {
    switch (op) {
      case BinaryOp::Add:
      case BinaryOp::Sub: {
        if constexpr (std::is_same_v<T, bool>) {
          BIBUN_CHECK(op == BinaryOp::Add,
                      "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                      "`logical_xor()` operator instead.");
          run<T, T, T>(plan, [](T x, T y) { return x || y; });
        } else {
          T s = alpha.to<T>();
          if (op == BinaryOp::Sub) s = wrapping_mul(s, T(-1));
          if (s == T(1)) run<T, T, T>(plan, [](T x, T y) { return wrapping_add(x, y); });
          else run<T, T, T>(plan, [s](T x, T y) { return wrapping_add(x, wrapping_mul(s, y)); });
        }
        break;
      }
      case BinaryOp::Mul:
        if constexpr (std::is_same_v<T, bool>) run<T, T, T>(plan, [](T x, T y) { return x && y; });
        else run<T, T, T>(plan, [](T x, T y) { return wrapping_mul(x, y); });
        break;
      case BinaryOp::Div:
        if constexpr (std::is_floating_point_v<T>) {
          run<T, T, T>(plan, [](T x, T y) { return x / y; });
        } else {
          BIBUN_ASSERT(false);  // ops::div promotes integers to floating point first
        }
        break;
      case BinaryOp::Pow:
        if constexpr (std::is_same_v<T, bool>) run<T, T, T>(plan, [](T x, T y) { return x || !y; });
        else run<T, T, T>(plan, [](T x, T y) { return int_pow(x, y); });
        break;
      case BinaryOp::Maximum:
        run<T, T, T>(plan, [](T x, T y) {
          if constexpr (std::is_floating_point_v<T>)
            if (std::isnan(x) || std::isnan(y)) return x + y;
          return x > y ? x : y;
        });
        break;
      case BinaryOp::Minimum:
        run<T, T, T>(plan, [](T x, T y) {
          if constexpr (std::is_floating_point_v<T>)
            if (std::isnan(x) || std::isnan(y)) return x + y;
          return x < y ? x : y;
        });
        break;
      default: BIBUN_ASSERT(false);
    }
  });
}

void pow_scalar(const Tensor& out, const Tensor& a, Scalar exponent) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_all(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, bool>) {
      bool e = exponent.to<bool>();
      run<T, T>(plan, [e](T x) { return x || !e; });
    } else if constexpr (std::is_floating_point_v<T>) {
      T e = exponent.to<T>();
      if (e == T(2)) run<T, T>(plan, [](T x) { return x * x; });
      else if (e == T(1)) run<T, T>(plan, [](T x) { return x; });
      else if (e == T(0.5)) run<T, T>(plan, [](T x) { return std::sqrt(x); });
      else if (e == T(-0.5)) run<T, T>(plan, [](T x) { return T(1) / std::sqrt(x); });  // PyTorch's rsqrt: nan at -inf
      else if (e == T(-2)) run<T, T>(plan, [](T x) { return T(1) / (x * x); });  // rounded as PyTorch rounds it
      else if (e == T(3)) run<T, T>(plan, [](T x) { return x * x * x; });
      else run<T, T>(plan, [e](T x) { return std::pow(x, e); });
    } else {
      T e = exponent.to<T>();
      BIBUN_CHECK(e >= 0, "Integers to negative integer powers are not allowed.");
      run<T, T>(plan, [e](T x) { return int_pow(x, e); });
    }
  });
}

void masked_fill(const Tensor& out, const Tensor& a, const Tensor& mask, Scalar value) {
  auto plan = make_plan<3>(out.sizes(), {&out, &a, &mask});
  dispatch_all(a.dtype(), [&]<typename T>() {
    T v = value.to<T>();
    run<T, T, bool>(plan, [v](T x, bool m) { return m ? v : x; });
  });
}

void where(const Tensor& out, const Tensor& condition, const Tensor& a, const Tensor& b) {
  auto plan = make_plan<4>(out.sizes(), {&out, &condition, &a, &b});
  dispatch_all(out.dtype(), [&]<typename T>() { run<T, bool, T, T>(plan, [](bool c, T x, T y) { return c ? x : y; }); });
}

void celu(const Tensor& out, const Tensor& a, double alpha) {
  auto plan = make_plan<2>(out.sizes(), {&out, &a});
  dispatch_floating(a.dtype(), "celu", [&]<typename T>() {
    const T al = static_cast<T>(alpha), inv = static_cast<T>(1.0 / alpha);
    run<T, T>(plan, [al, inv](T x) { return x > T(0) ? x : al * std::expm1(x * inv); });
  });
}

void copy(const Tensor& dst, const Tensor& src) {
  auto plan = make_plan<2>(dst.sizes(), {&dst, &src});
  dispatch_all(dst.dtype(), [&]<typename D>() {
    dispatch_all(src.dtype(), [&]<typename S>() {
      run<D, S>(plan, [](S x) { return loop::convert_value<D>(x); });
    });
  });
}

void fill(const Tensor& dst, Scalar value) {
  auto plan = make_plan<1>(dst.sizes(), {&dst});
  dispatch_all(dst.dtype(), [&]<typename T>() {
    T v = value.to<T>();
    run<T>(plan, [v]() { return v; });
  });
}

void bce_with_logits(const Tensor& out, const Tensor& input, const Tensor& target, const Tensor& pos_weight) {
  dispatch_floating(input.dtype(), "binary_cross_entropy_with_logits", [&]<typename T>() {
    if (!pos_weight.defined()) {
      auto plan = make_plan<3>(out.sizes(), {&out, &input, &target});
      // (1 - t) * x - log_sigmoid(x)
      run<T, T, T>(plan, [](T x, T t) { return (T(1) - t) * x - log_sigmoid_of(x); });
    } else {
      auto plan = make_plan<4>(out.sizes(), {&out, &input, &target, &pos_weight});
      // (1 - t) * x - (1 + (pw - 1) * t) * log_sigmoid(x)
      run<T, T, T, T>(plan, [](T x, T t, T pw) { return (T(1) - t) * x - (T(1) + (pw - T(1)) * t) * log_sigmoid_of(x); });
    }
  });
}

}  // namespace bibun::kernels
