// bibun._C._optim_*: the per-group update calls of bibun.optim (kernels/optim_kernels.h). The
// Python optimizers gather a group's parameters, grads and state tensors into lists and make one
// call per group per step; the writes are in-place updates of leaves, never recorded by autograd.
#include "kernels/optim_kernels.h"
#include "python/common.h"

namespace bibun::python {

namespace {

// SGD's momentum buffers: None (no buffer yet) becomes a fresh buffer that the kernel fills on
// this first step. Returns the buffers, for the optimizer to store in its state.
tensor_list sgd(const tensor_list& params, const tensor_list& grads, const py::list& buffers, double lr,
                double momentum, double dampening, double weight_decay, bool nesterov, bool maximize) {
  tensor_list bufs;
  std::vector<bool> fresh;
  if (momentum != 0) {
    if (buffers.size() != params.size()) throw py::value_error("_optim_sgd: one momentum buffer per parameter");
    for (size_t i = 0; i < params.size(); ++i) {
      py::handle b = buffers[i];
      fresh.push_back(b.is_none());
      bufs.push_back(b.is_none() ? ops::empty(params[i].sizes(), params[i].dtype()) : as_tensor(b));
    }
  }
  {
    py::gil_scoped_release release;
    kernels::sgd(params, grads, bufs, fresh, {lr, momentum, dampening, weight_decay, nesterov, maximize});
  }
  return bufs;
}

}  // namespace

void init_optim(py::module_& m) {
  using namespace pybind11::literals;
  m.def("_optim_sgd", &sgd, "params"_a, "grads"_a, "momentum_buffers"_a, py::kw_only(), "lr"_a, "momentum"_a,
        "dampening"_a, "weight_decay"_a, "nesterov"_a, "maximize"_a);
  m.def(
      "_optim_adam",
      [](const tensor_list& params, const tensor_list& grads, const tensor_list& exp_avgs,
         const tensor_list& exp_avg_sqs, const tensor_list& max_exp_avg_sqs, const tensor_list& steps, double lr,
         double beta1, double beta2, double eps, double weight_decay, bool amsgrad, bool maximize,
         bool decoupled_weight_decay) {
        kernels::adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                      {lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay});
      },
      "params"_a, "grads"_a, "exp_avgs"_a, "exp_avg_sqs"_a, "max_exp_avg_sqs"_a, "steps"_a, py::kw_only(), "lr"_a,
      "beta1"_a, "beta2"_a, "eps"_a, "weight_decay"_a, "amsgrad"_a, "maximize"_a, "decoupled_weight_decay"_a,
      py::call_guard<py::gil_scoped_release>());
  m.def(
      "_optim_rmsprop",
      [](const tensor_list& params, const tensor_list& grads, const tensor_list& square_avgs,
         const tensor_list& grad_avgs, const tensor_list& momentum_buffers, const tensor_list& steps, double lr,
         double alpha, double eps, double weight_decay, double momentum, bool centered, bool maximize) {
        kernels::rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                         {lr, alpha, eps, weight_decay, momentum, centered, maximize});
      },
      "params"_a, "grads"_a, "square_avgs"_a, "grad_avgs"_a, "momentum_buffers"_a, "steps"_a, py::kw_only(),
      "lr"_a, "alpha"_a, "eps"_a, "weight_decay"_a, "momentum"_a, "centered"_a, "maximize"_a,
      py::call_guard<py::gil_scoped_release>());
  m.def(
      "_optim_adagrad",
      [](const tensor_list& params, const tensor_list& grads, const tensor_list& state_sums,
         const tensor_list& steps, double lr, double lr_decay, double weight_decay, double eps, bool maximize) {
        kernels::adagrad(params, grads, state_sums, steps, {lr, lr_decay, weight_decay, eps, maximize});
      },
      "params"_a, "grads"_a, "state_sums"_a, "steps"_a, py::kw_only(), "lr"_a, "lr_decay"_a, "weight_decay"_a,
      "eps"_a, "maximize"_a, py::call_guard<py::gil_scoped_release>());
}

}  // namespace bibun::python
