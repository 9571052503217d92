// Ops whose PyTorch graph is one fused node (ops/api_gaps.h). Each forward value is computed
// with existing ops while recording is off, then the op's own node is recorded, so the graph
// shows PyTorch's node and its formula (formulas/api_gaps.cpp) differentiates again.
#include "ops/api_gaps.h"

#include <cmath>
#include <limits>
#include <numbers>

#include "autograd/formulas/api_gaps.h"
#include "autograd/formulas/binary_nodes.h"
#include "autograd/grad_mode.h"
#include "ops/binary.h"
#include "ops/common.h"
#include "ops/reduction_ext.h"
#include "ops/unary_math.h"
#include "ops/write_checks.h"

namespace bibun::ops {

namespace {

using kernels::BinaryOp;

Tensor cmp(BinaryOp op, const Tensor& a, const Tensor& b) { return compare(static_cast<int>(op), a, b); }

// The unrecorded value of `f()`.
template <typename F>
Tensor unrecorded(F&& f) {
  AutoGradMode guard(false);
  return f();
}

// Writes `value` into `self` and records `node` as self's new history (one version bump).
template <typename N>
Tensor& write_and_rebase(Tensor& self, const Tensor& value, const std::shared_ptr<N>& node) {
  kernels::copy(self, value);
  rebase_history(self, node);
  return self;
}

void check_clamp_scalar_dtype(const Tensor& a, Scalar bound, const char* kernel) {
  ScalarType dtype = result_type(a, wrapped_scalar(bound));
  BIBUN_CHECK_T(NotImplementedError, dtype != ScalarType::Bool, "\"", kernel, "\" not implemented for 'Bool'");
}

template <typename N>
Tensor clamp_scalar(const Tensor& a, Scalar bound, bool is_min) {
  check_clamp_scalar_dtype(a, bound, is_min ? "clamp_min_scalar_cpu" : "clamp_max_scalar_cpu");
  Tensor out = unrecorded([&] {
    return is_min ? clamp(a, bound, std::nullopt) : clamp(a, std::nullopt, bound);
  });
  if (auto node = make_node<N>({&a})) {
    if constexpr (std::is_same_v<N, ClampMinBackward0>) node->min = bound;
    else node->max = bound;
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

template <typename N>
Tensor& clamp_scalar_(Tensor& self, Scalar bound, bool is_min) {
  check_clamp_scalar_dtype(self, bound, is_min ? "clamp_min_scalar_cpu" : "clamp_max_scalar_cpu");
  check_inplace_write(self, {}, result_type(self, wrapped_scalar(bound)));
  auto node = make_node<N>({&self});
  Tensor value = unrecorded([&] {
    return is_min ? clamp(self, bound, std::nullopt) : clamp(self, std::nullopt, bound);
  });
  if (node) {
    if constexpr (std::is_same_v<N, ClampMinBackward0>) node->min = bound;
    else node->max = bound;
    node->save(kSelf, clone(self));  // the old value, with its history
  }
  return write_and_rebase(self, value, node);
}

template <typename N>
Tensor clamp_tensor(const Tensor& a, const Tensor& bound, bool is_min) {
  Tensor out = unrecorded([&] { return is_min ? clamp(a, bound, Tensor()) : clamp(a, Tensor(), bound); });
  if (auto node = make_node<N>({&a, &bound})) {
    node->save(kSelf, a);
    node->save(kOther, bound);
    set_history(out, node);
  }
  return out;
}

template <typename N>
Tensor& clamp_tensor_(Tensor& self, const Tensor& bound, bool is_min) {
  check_inplace_write(self, {&bound}, result_type(self, bound));
  auto node = make_node<N>({&self, &bound});
  Tensor value = unrecorded([&] { return is_min ? clamp(self, bound, Tensor()) : clamp(self, Tensor(), bound); });
  if (node) {
    node->save(kSelf, clone(self));
    node->save(kOther, bound);
  }
  return write_and_rebase(self, value, node);
}

// PyTorch's kernels of logaddexp/logcumsumexp accept floating dtypes only.
void check_floating(const Tensor& t, const char* kernel) {
  BIBUN_CHECK_T(NotImplementedError, is_floating(t.dtype()), "\"", kernel, "\" not implemented for '",
                c_type_name(t.dtype()), "'");
}

// log(exp(x) + exp(y)) without overflow; equal infinities give themselves (not NaN).
template <typename T>
T log_add_exp(T x, T y) {
  if (std::isinf(x) && x == y) return x;
  T m = std::max(x, y);
  if (std::isnan(m) || std::isnan(x) || std::isnan(y)) return std::numeric_limits<T>::quiet_NaN();
  return m + std::log1p(std::exp(-std::abs(x - y)));
}

}  // namespace

Tensor clamp_min(const Tensor& a, Scalar min) { return clamp_scalar<ClampMinBackward0>(a, min, true); }
Tensor clamp_max(const Tensor& a, Scalar max) { return clamp_scalar<ClampMaxBackward0>(a, max, false); }
Tensor clamp_min(const Tensor& a, const Tensor& min) { return clamp_tensor<ClampMinBackward1>(a, min, true); }
Tensor clamp_max(const Tensor& a, const Tensor& max) { return clamp_tensor<ClampMaxBackward1>(a, max, false); }
Tensor& clamp_min_(Tensor& self, Scalar min) { return clamp_scalar_<ClampMinBackward0>(self, min, true); }
Tensor& clamp_max_(Tensor& self, Scalar max) { return clamp_scalar_<ClampMaxBackward0>(self, max, false); }
Tensor& clamp_min_(Tensor& self, const Tensor& min) { return clamp_tensor_<ClampMinBackward1>(self, min, true); }
Tensor& clamp_max_(Tensor& self, const Tensor& max) { return clamp_tensor_<ClampMaxBackward1>(self, max, false); }

Tensor rsub_tensor(const Tensor& a, const Tensor& other, Scalar alpha) {
  check_subtraction_dtypes(other, a);
  ScalarType dtype = result_type(a, other);
  BIBUN_CHECK(!alpha.is_floating() || is_floating(dtype),
              "For integral input tensors, argument alpha must not be a floating point number.");
  Tensor out = unrecorded([&] { return sub(other, a, alpha); });
  if (auto node = make_node<RsubBackward0>({&a, &other})) {
    node->alpha = alpha;
    node->self_sizes = a.sizes();
    node->other_sizes = other.sizes();
    set_history(out, node);
  }
  return out;
}

Tensor logaddexp(const Tensor& a, const Tensor& b) {
  ScalarType dtype = result_type(a, b);
  BIBUN_CHECK_T(NotImplementedError, is_floating(dtype), "\"logaddexp_cpu\" not implemented for '",
                c_type_name(dtype), "'");
  Tensor x = cast_data(a, dtype), y = cast_data(b, dtype);
  DimVector shape = kernels::broadcast_shapes(a.sizes(), b.sizes());
  Tensor xe = contiguous(expand(x, shape)), ye = contiguous(expand(y, shape));
  Tensor out = empty(shape, dtype);
  dispatch_floating(dtype, "logaddexp_cpu", [&]<typename T>() {
    const T* px = static_cast<const T*>(xe->data());
    const T* py = static_cast<const T*>(ye->data());
    T* po = static_cast<T*>(out->data());
    for (int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = log_add_exp(px[i], py[i]);
  });
  if (auto node = make_node<LogaddexpBackward0>({&a, &b})) {
    node->save(kSelf, a);
    node->save(kOther, b);
    set_history(out, node);
  }
  return out;
}

namespace {

Tensor sinc_value(const Tensor& a) {
  return unrecorded([&] {
    ScalarType dtype = float_type_for(a);
    Tensor x = cast_data(a, dtype);
    Tensor px = mul(x, wrapped_scalar(Scalar(std::numbers::pi)));
    Tensor r = div(sin(px), px);
    return where(cmp(BinaryOp::Eq, x, wrapped_scalar(Scalar(0.0))), ones({}, dtype), r);
  });
}

}  // namespace

Tensor sinc(const Tensor& a) {
  Tensor out = sinc_value(a);
  if (auto node = make_node<SincBackward0>({&a})) {
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor& sinc_(Tensor& self) {
  check_inplace_write(self, {}, float_type_for(self));
  auto node = make_node<SincBackward0>({&self});
  Tensor value = sinc_value(self);
  if (node) node->save(kSelf, clone(self));
  return write_and_rebase(self, value, node);
}

Tensor dist(const Tensor& a, const Tensor& b, double p) {
  ScalarType dtype = result_type(a, b);
  BIBUN_CHECK(is_floating(dtype), "norm(): input dtype should be either floating point or complex. Got ",
              c_type_name(dtype), " instead.");
  Tensor out = unrecorded([&] { return norm(sub(cast_data(a, dtype), cast_data(b, dtype), Scalar(1.0)), p, {}, false); });
  if (auto node = make_node<DistBackward0>({&a, &b})) {
    node->p = p;
    node->save(kSelf, a);
    node->save(kOther, b);
    set_history(out, node);
    node->save(kResult, out, /*is_output=*/true);  // after set_history: the saved output keeps its grad_fn
  }
  return out;
}

Tensor cdist(const Tensor& x1, const Tensor& x2, double p) {
  BIBUN_CHECK(x1.dim() >= 2, "cdist only supports at least 2D tensors, X1 got: ", x1.dim(), "D");
  BIBUN_CHECK(x2.dim() >= 2, "cdist only supports at least 2D tensors, X2 got: ", x2.dim(), "D");
  BIBUN_CHECK(x1.sizes()[x1.dim() - 1] == x2.sizes()[x2.dim() - 1],
              "X1 and X2 must have the same number of columns. X1: ", x1.sizes()[x1.dim() - 1],
              " X2: ", x2.sizes()[x2.dim() - 1]);
  BIBUN_CHECK(is_floating(x1.dtype()), "cdist only supports floating-point dtypes, X1 got: ", c_type_name(x1.dtype()));
  BIBUN_CHECK(is_floating(x2.dtype()), "cdist only supports floating-point dtypes, X2 got: ", c_type_name(x2.dtype()));
  BIBUN_CHECK(x1.dtype() == x2.dtype(), "expected scalar type ", c_type_name(x1.dtype()), " but found ",
              c_type_name(x2.dtype()));
  BIBUN_CHECK(p >= 0, "cdist only supports non-negative p values");
  Tensor out = unrecorded([&] {
    Tensor diff = sub(unsqueeze(x1, -2), unsqueeze(x2, -3), Scalar(1.0));  // (..., P, R, M)
    if (diff.numel() == 0) {
      DimVector shape(diff.sizes().begin(), diff.sizes().end() - 1);
      return zeros(shape, x1.dtype());
    }
    return norm(diff, p, {diff.dim() - 1}, false);
  });
  if (auto node = make_node<CdistBackward0>({&x1, &x2})) {
    node->p = p;
    node->save(kSelf, x1);
    node->save(kOther, x2);
    set_history(out, node);
    node->save(kResult, out, /*is_output=*/true);
  }
  return out;
}

Tensor logcumsumexp(const Tensor& a, int64_t dim) {
  int64_t d = wrap_dim(dim, a.dim());
  check_floating(a, "logcumsumexp_out_cpu");
  Tensor out = empty(a.sizes(), a.dtype());
  if (a.numel() > 0) {
    Tensor moved = a.dim() == 0 ? a : contiguous(unrecorded([&] { return transpose(a, d, a.dim() - 1); }));
    if (a.dim() == 0) moved = contiguous(a);
    Tensor res = empty(moved.sizes(), a.dtype());
    const int64_t len = a.dim() == 0 ? 1 : a.sizes()[d];
    const int64_t rows = a.numel() / len;
    dispatch_floating(a.dtype(), "logcumsumexp_out_cpu", [&]<typename T>() {
      const T* src = static_cast<const T*>(moved->data());
      T* dst = static_cast<T*>(res->data());
      for (int64_t r = 0; r < rows; ++r) {
        T acc = -std::numeric_limits<T>::infinity();
        for (int64_t i = 0; i < len; ++i) {
          acc = log_add_exp(acc, src[r * len + i]);
          dst[r * len + i] = acc;
        }
      }
    });
    Tensor back = a.dim() == 0 ? res : unrecorded([&] { return transpose(res, d, a.dim() - 1); });
    kernels::copy(out, back);
  }
  if (auto node = make_node<LogcumsumexpBackward0>({&a})) {
    node->dim = d;
    node->save(kSelf, a);
    set_history(out, node);
    node->save(kResult, out, /*is_output=*/true);  // after set_history: the saved output keeps its grad_fn
  }
  return out;
}

namespace {

Tensor heaviside_value(const Tensor& a, const Tensor& values) {
  BIBUN_CHECK(a.dtype() == values.dtype(), "heaviside is not yet implemented for tensors with different dtypes.");
  return unrecorded([&] {
    Tensor zero = zeros({}, a.dtype());
    Tensor step = cast_data(cmp(BinaryOp::Gt, a, zero), a.dtype());
    return where(cmp(BinaryOp::Eq, a, zero), values, step);
  });
}

}  // namespace

Tensor heaviside(const Tensor& a, const Tensor& values) {
  Tensor out = heaviside_value(a, values);
  if (auto node = make_node<NotImplementedBackward>({&a, &values})) {
    node->op = "heaviside";
    set_history(out, node);
  }
  return out;
}

Tensor& heaviside_(Tensor& self, const Tensor& values) {
  Tensor value = heaviside_value(self, values);
  check_inplace_write(self, {&values}, value.dtype());
  auto node = make_node<NotImplementedBackward>({&self, &values});
  if (node) node->op = "heaviside";
  return write_and_rebase(self, value, node);
}

void record_bernoulli(const Tensor& out, const Tensor& input, bool with_p) {
  if (with_p) {
    if (auto node = make_node<NotImplementedBackward>({&input})) {
      node->op = "bernoulli";
      set_history(out, node);
    }
  } else if (auto node = make_node<BernoulliBackward0>({&input})) {
    node->self_sizes = input.sizes();
    set_history(out, node);
  }
}

void record_normal(const Tensor& out, const Tensor& mean, const Tensor& std) {
  if (mean.defined() && std.defined()) {
    if (auto node = make_node<NormalBackward3>({&mean, &std})) {
      node->mean_sizes = mean.sizes();
      node->std_sizes = std.sizes();
      set_history(out, node);
    }
  } else if (mean.defined()) {
    if (auto node = make_node<NormalBackward1>({&mean})) {
      node->mean_sizes = mean.sizes();
      set_history(out, node);
    }
  } else if (auto node = make_node<NormalBackward2>({&std})) {
    node->std_sizes = std.sizes();
    set_history(out, node);
  }
}

}  // namespace bibun::ops
