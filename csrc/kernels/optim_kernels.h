// Update loops of bibun.optim: one call updates every parameter of one param group in place.
// Each follows the single-tensor implementation of torch/optim (the same operations in the same
// order, each rounded to the parameter's dtype) so trajectories match PyTorch's. Step counters are
// float32 0-d tensors, incremented here. Every tensor written is bumped as an in-place op would.
#pragma once
#include <vector>

#include "tensor/tensor.h"

namespace bibun::kernels {

struct SgdOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};
// momentum_buffers are used when momentum != 0; fresh[i] marks a buffer allocated for its first
// step (it becomes a copy of the update direction, as PyTorch's grad.clone()).
void sgd(const tensor_list& params, const tensor_list& grads, const tensor_list& momentum_buffers,
         const std::vector<bool>& fresh, const SgdOptions& o);

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled_weight_decay;  // decoupled: AdamW
};
// max_exp_avg_sqs is read only when amsgrad.
void adam(const tensor_list& params, const tensor_list& grads, const tensor_list& exp_avgs,
          const tensor_list& exp_avg_sqs, const tensor_list& max_exp_avg_sqs, const tensor_list& steps,
          const AdamOptions& o);

struct RmspropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};
// grad_avgs is read only when centered, momentum_buffers only when momentum > 0.
void rmsprop(const tensor_list& params, const tensor_list& grads, const tensor_list& square_avgs,
             const tensor_list& grad_avgs, const tensor_list& momentum_buffers, const tensor_list& steps,
             const RmspropOptions& o);

struct AdagradOptions {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
};
void adagrad(const tensor_list& params, const tensor_list& grads, const tensor_list& state_sums,
             const tensor_list& steps, const AdagradOptions& o);

}  // namespace bibun::kernels
