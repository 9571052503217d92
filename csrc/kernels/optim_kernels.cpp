// The optimizer update loops (optim_kernels.h): one fused elementwise pass per parameter that
// reproduces the rounding of PyTorch's chain of in-place ops (scalars cast to the dtype as ATen
// does for a float tensor and a Python number).
#include "kernels/optim_kernels.h"

#include <cmath>
#include <limits>

#include "kernels/parallel.h"
#include "kernels/strided_loop.h"
#include "tensor/error.h"

namespace bibun::kernels {

namespace {

// Calls f(x0, x1, ...) with references to the elements of N same-shape tensors of dtype T.
template <typename T, int N, typename F>
void for_each_elem(const std::array<const Tensor*, N>& ts, F&& f) {
  auto plan = make_plan<N>(ts[0]->sizes(), ts);
  auto inner = [&](char** data, const int64_t* strides, int64_t n) {
    bool contiguous = true;
    for (int k = 0; k < N; ++k) contiguous &= strides[k] == static_cast<int64_t>(sizeof(T));
    if (contiguous) {
      [&]<size_t... I>(std::index_sequence<I...>) {
        std::array<T*, N> p{reinterpret_cast<T*>(data[I])...};
        for (int64_t i = 0; i < n; ++i) f(p[I][i]...);
      }(std::make_index_sequence<N>{});
      return;
    }
    [&]<size_t... I>(std::index_sequence<I...>) {
      for (int64_t i = 0; i < n; ++i) f(*reinterpret_cast<T*>(data[I] + i * strides[I])...);
    }(std::make_index_sequence<N>{});
  };
  for_each_run_parallel(plan, inner);
}

void check_same(const Tensor& param, const Tensor& t, const char* what) {
  BIBUN_CHECK(t.defined(), "optimizer: missing ", what);
  BIBUN_CHECK(t.dtype() == param.dtype(), "optimizer: ", what, " has dtype ", c_type_name(t.dtype()),
              " but its parameter has ", c_type_name(param.dtype()));
  BIBUN_CHECK(t.sizes() == param.sizes(), "optimizer: ", what, " does not have its parameter's shape");
}

void check_lists(const tensor_list& params, const tensor_list& other, const char* what) {
  BIBUN_CHECK(other.size() == params.size(), "optimizer: expected ", params.size(), " ", what, ", got ",
              other.size());
}

// step += 1 on a float32 0-d step tensor; returns the new value as PyTorch's step_t.item().
double increment_step(const Tensor& step) {
  BIBUN_CHECK(step.defined() && step.numel() == 1 && step.dtype() == ScalarType::Float32,
              "optimizer: state 'step' must be a float32 tensor with one element");
  float* s = step.data<float>();
  *s += 1.0f;
  step->bump_version();
  return static_cast<double>(*s);
}

// ATen's lerp: self + w * (end - self) for |w| < 0.5, else end - (end - self) * (1 - w).
template <typename T>
T lerp(T self, T end, T w) {
  return std::abs(w) < T(0.5) ? self + w * (end - self) : end - (end - self) * (T(1) - w);
}

// torch.maximum: NaN in either operand propagates.
template <typename T>
T maximum(T a, T b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
  return a > b ? a : b;
}

}  // namespace

void sgd(const tensor_list& params, const tensor_list& grads, const tensor_list& momentum_buffers,
         const std::vector<bool>& fresh, const SgdOptions& o) {
  check_lists(params, grads, "grads");
  const bool use_momentum = o.momentum != 0;
  if (use_momentum) check_lists(params, momentum_buffers, "momentum buffers");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_same(p, grads[i], "grad");
    dispatch_floating(p.dtype(), "sgd", [&]<typename T>() {
      const T wd = T(o.weight_decay), mom = T(o.momentum), damp = T(1 - o.dampening), neg_lr = T(-o.lr);
      const bool has_wd = o.weight_decay != 0, nesterov = o.nesterov, maximize = o.maximize;
      auto direction = [=](T pv, T g) {
        if (maximize) g = -g;
        if (has_wd) g = g + wd * pv;
        return g;
      };
      if (!use_momentum && !has_wd && !maximize) {  // plain SGD: a loop the compiler vectorises
        for_each_elem<T, 2>({&p, &grads[i]}, [neg_lr](T& pv, T& g) { pv = pv + neg_lr * g; });
        return;
      }
      if (!use_momentum) {
        for_each_elem<T, 2>({&p, &grads[i]}, [&](T& pv, T& g) { pv = pv + neg_lr * direction(pv, g); });
        return;
      }
      const Tensor& buf = momentum_buffers[i];
      check_same(p, buf, "momentum buffer");
      const bool first = i < fresh.size() && fresh[i];
      for_each_elem<T, 3>({&p, &grads[i], &buf}, [&](T& pv, T& g, T& b) {
        T d = direction(pv, g);
        b = first ? d : b * mom + damp * d;
        d = nesterov ? d + mom * b : b;
        pv = pv + neg_lr * d;
      });
      buf->bump_version();
    });
    p->bump_version();
  }
}

void adam(const tensor_list& params, const tensor_list& grads, const tensor_list& exp_avgs,
          const tensor_list& exp_avg_sqs, const tensor_list& max_exp_avg_sqs, const tensor_list& steps,
          const AdamOptions& o) {
  check_lists(params, grads, "grads");
  check_lists(params, exp_avgs, "exp_avgs");
  check_lists(params, exp_avg_sqs, "exp_avg_sqs");
  check_lists(params, steps, "steps");
  if (o.amsgrad) check_lists(params, max_exp_avg_sqs, "max_exp_avg_sqs");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_same(p, grads[i], "grad");
    check_same(p, exp_avgs[i], "exp_avg");
    check_same(p, exp_avg_sqs[i], "exp_avg_sq");
    if (o.amsgrad) check_same(p, max_exp_avg_sqs[i], "max_exp_avg_sq");
    const double step = increment_step(steps[i]);
    // The scalar math is Python float math in PyTorch.
    const double bias_correction1 = 1 - std::pow(o.beta1, step);
    const double bias_correction2 = 1 - std::pow(o.beta2, step);
    const double step_size = o.lr / bias_correction1;
    const double bias_correction2_sqrt = std::pow(bias_correction2, 0.5);
    dispatch_floating(p.dtype(), "adam", [&]<typename T>() {
      const bool has_wd = o.weight_decay != 0, decoupled = o.decoupled_weight_decay, maximize = o.maximize;
      const T wd = T(o.weight_decay), decay = T(1 - o.lr * o.weight_decay), w1 = T(1 - o.beta1),
              b2 = T(o.beta2), w2 = T(1 - o.beta2), bc2 = T(bias_correction2_sqrt), eps = T(o.eps),
              neg_step = T(-step_size);
      auto update = [=](T& pv, T g, T& m, T& v, T* vmax) {
        if (maximize) g = -g;
        if (has_wd) {
          if (decoupled) pv = pv * decay;
          else g = g + wd * pv;
        }
        m = lerp(m, g, w1);
        v = v * b2;
        v = v + w2 * g * g;
        T denom;
        if (vmax) {
          *vmax = maximum(*vmax, v);
          denom = std::sqrt(*vmax) / bc2 + eps;
        } else {
          denom = std::sqrt(v) / bc2 + eps;
        }
        pv = pv + neg_step * m / denom;
      };
      if (o.amsgrad) {
        for_each_elem<T, 5>({&p, &grads[i], &exp_avgs[i], &exp_avg_sqs[i], &max_exp_avg_sqs[i]},
                            [&](T& pv, T& g, T& m, T& v, T& vm) { update(pv, g, m, v, &vm); });
        max_exp_avg_sqs[i]->bump_version();
      } else {
        for_each_elem<T, 4>({&p, &grads[i], &exp_avgs[i], &exp_avg_sqs[i]},
                            [&](T& pv, T& g, T& m, T& v) { update(pv, g, m, v, nullptr); });
      }
    });
    exp_avgs[i]->bump_version();
    exp_avg_sqs[i]->bump_version();
    p->bump_version();
  }
}

void rmsprop(const tensor_list& params, const tensor_list& grads, const tensor_list& square_avgs,
             const tensor_list& grad_avgs, const tensor_list& momentum_buffers, const tensor_list& steps,
             const RmspropOptions& o) {
  check_lists(params, grads, "grads");
  check_lists(params, square_avgs, "square_avgs");
  check_lists(params, steps, "steps");
  const bool use_momentum = o.momentum > 0;
  if (o.centered) check_lists(params, grad_avgs, "grad_avgs");
  if (use_momentum) check_lists(params, momentum_buffers, "momentum buffers");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_same(p, grads[i], "grad");
    check_same(p, square_avgs[i], "square_avg");
    if (o.centered) check_same(p, grad_avgs[i], "grad_avg");
    if (use_momentum) check_same(p, momentum_buffers[i], "momentum_buffer");
    increment_step(steps[i]);
    // Unused operands alias the square average so one loop shape serves every option set.
    const Tensor& ga = o.centered ? grad_avgs[i] : square_avgs[i];
    const Tensor& buf = use_momentum ? momentum_buffers[i] : square_avgs[i];
    dispatch_floating(p.dtype(), "rmsprop", [&]<typename T>() {
      const bool has_wd = o.weight_decay != 0, centered = o.centered, maximize = o.maximize;
      const T wd = T(o.weight_decay), alpha = T(o.alpha), w = T(1 - o.alpha), eps = T(o.eps),
              mom = T(o.momentum), neg_lr = T(-o.lr);
      for_each_elem<T, 5>({&p, &grads[i], &square_avgs[i], &ga, &buf}, [&](T& pv, T& g0, T& sa, T& gav, T& b) {
        T g = maximize ? -g0 : g0;
        if (has_wd) g = g + wd * pv;
        sa = sa * alpha;
        sa = sa + w * g * g;
        T avg;
        if (centered) {
          gav = lerp(gav, g, w);
          avg = std::sqrt(sa + T(-1) * gav * gav);
        } else {
          avg = std::sqrt(sa);
        }
        avg = avg + eps;
        if (use_momentum) {
          b = b * mom;
          b = b + T(1) * g / avg;
          pv = pv + neg_lr * b;
        } else {
          pv = pv + neg_lr * g / avg;
        }
      });
    });
    if (o.centered) ga->bump_version();
    if (use_momentum) buf->bump_version();
    square_avgs[i]->bump_version();
    p->bump_version();
  }
}

void adagrad(const tensor_list& params, const tensor_list& grads, const tensor_list& state_sums,
             const tensor_list& steps, const AdagradOptions& o) {
  check_lists(params, grads, "grads");
  check_lists(params, state_sums, "state_sums");
  check_lists(params, steps, "steps");
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& p = params[i];
    check_same(p, grads[i], "grad");
    check_same(p, state_sums[i], "sum");
    const double step = increment_step(steps[i]);
    const double clr = o.lr / (1 + (step - 1) * o.lr_decay);
    dispatch_floating(p.dtype(), "adagrad", [&]<typename T>() {
      const bool has_wd = o.weight_decay != 0, maximize = o.maximize;
      const T wd = T(o.weight_decay), eps = T(o.eps), neg_clr = T(-clr);
      for_each_elem<T, 3>({&p, &grads[i], &state_sums[i]}, [&](T& pv, T& g0, T& s) {
        T g = maximize ? -g0 : g0;
        if (has_wd) g = g + wd * pv;
        s = s + T(1) * g * g;
        const T std_ = std::sqrt(s) + eps;
        pv = pv + neg_clr * g / std_;
      });
    });
    state_sums[i]->bump_version();
    p->bump_version();
  }
}

}  // namespace bibun::kernels
