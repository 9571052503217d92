// Batch normalisation over dim 1 of (N, C, *): batch statistics in training (updating the
// running ones), running statistics in evaluation.
#include <limits>

#include "autograd/formulas/conv_nodes.h"
#include "autograd/grad_mode.h"
#include "ops/common.h"
#include "ops/conv.h"
#include "ops/unary_math.h"

namespace bibun::ops {

namespace {

Tensor per_channel(const Tensor& v, int64_t dim) {
  DimVector shape{1, v.numel()};
  for (int64_t d = 2; d < dim; ++d) shape.push_back(1);
  return reshape(v, shape);
}

void check_channels(const Tensor& t, const char* what, int64_t C) {
  if (!t.defined()) return;
  BIBUN_CHECK(t.numel() == C, what, " should contain ", C, " elements not ", t.numel());
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum, double eps) {
  BIBUN_CHECK(input.dim() >= 2, "batch_norm(): expected input to have at least 2 dims, got ", input.dim());
  // PyTorch's non-contiguous training path reaches mean() first, with mean()'s error.
  BIBUN_CHECK(!training || input.is_contiguous() || is_floating(input.dtype()),
              "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype. ",
              "Got: ", c_type_name(input.dtype()));
  BIBUN_CHECK_T(NotImplementedError, is_floating(input.dtype()), "\"batch_norm\" not implemented for '",
                c_type_name(input.dtype()), "'");
  const int64_t dim = input.dim(), C = input.sizes()[1];
  check_channels(weight, "weight", C);
  check_channels(bias, "bias", C);
  check_channels(running_mean, "running_mean", C);
  check_channels(running_var, "running_var", C);
  if (!training) {
    BIBUN_CHECK(running_mean.defined(), "running_mean must be defined in evaluation mode");
    BIBUN_CHECK(running_var.defined(), "running_var must be defined in evaluation mode");
  }
  std::vector<int64_t> dims{0};
  int64_t count = input.sizes()[0];
  for (int64_t d = 2; d < dim; ++d) {
    dims.push_back(d);
    count *= input.sizes()[d];
  }
  Tensor out;
  {
    AutoGradMode no_grad(false);
    Tensor mean, invstd;
    const Tensor eps_t = wrapped_scalar(Scalar(eps));
    if (training) {
      mean = ops::mean(input, dims, true, std::nullopt);
      Tensor xc = sub(input, mean, Scalar(int64_t{1}));
      Tensor var = ops::mean(mul(xc, xc), dims, true, std::nullopt);
      invstd = rsqrt(add(var, eps_t, Scalar(int64_t{1})));
      // running = (1 - momentum) * running + momentum * batch statistic (variance unbiased).
      const Tensor keep = wrapped_scalar(Scalar(1.0 - momentum)), m = wrapped_scalar(Scalar(momentum));
      if (running_mean.defined()) {
        Tensor rm = running_mean;
        Tensor upd = add(mul(rm, keep), mul(reshape(mean, {C}), m), Scalar(int64_t{1}));
        copy_(rm, upd);
      }
      if (running_var.defined()) {
        Tensor rv = running_var;
        const double unbias = count > 1 ? static_cast<double>(count) / static_cast<double>(count - 1)
                                        : std::numeric_limits<double>::infinity();
        Tensor unbiased = mul(reshape(var, {C}), wrapped_scalar(Scalar(unbias)));
        copy_(rv, add(mul(rv, keep), mul(unbiased, m), Scalar(int64_t{1})));
      }
    } else {
      mean = per_channel(running_mean, dim);
      invstd = rsqrt(add(per_channel(running_var, dim), eps_t, Scalar(int64_t{1})));
    }
    out = mul(sub(input, mean, Scalar(int64_t{1})), invstd);
    if (weight.defined()) out = mul(out, per_channel(weight, dim));
    if (bias.defined()) out = add(out, per_channel(bias, dim), Scalar(int64_t{1}));
    if (out.dtype() != input.dtype()) out = cast_data(out, input.dtype());
  }
  if (auto node = make_node<NativeBatchNormBackward0>({&input, &weight, &bias})) {
    node->training = training;
    node->eps = eps;
    node->has_weight = weight.defined();
    node->save(kSelf, input);
    if (weight.defined()) node->save(kOther, weight);
    if (!training) {
      node->save(kResult, running_mean);
      node->save(kExtra, running_var);
    }
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
