// The nn ops (ops/nn_ops.h) for bibun.nn.functional, plus the Tensor methods softmax,
// log_softmax, uniform_ and normal_. Argument forms PyTorch accepts in Python (dim=None,
// dtype=, reduction strings) are parsed in python/bibun/nn/functional.py.
#include "ops/nn_ops.h"
#include "python/common.h"

namespace bibun::python {

namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? Tensor() : as_tensor(h); }

ops::Reduction reduction_of(int r) {
  if (r < 0 || r > 2) throw py::value_error("invalid reduction");
  return static_cast<ops::Reduction>(r);
}

// x.softmax(dim, dtype=None): a dtype casts the input first (ToCopyBackward0), as PyTorch does.
template <Tensor (*Op)(const Tensor&, int64_t)>
Tensor softmax_method(const Tensor& a, int64_t dim, py::handle dtype) {
  auto target = parse_optional_dtype(dtype);
  return Op(target ? ops::to_dtype(a, *target) : a, dim);
}

}  // namespace

void init_nn(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  cls.def("softmax", &softmax_method<&ops::softmax>, py::arg("dim"), py::arg("dtype") = py::none())
      .def("log_softmax", &softmax_method<&ops::log_softmax>, py::arg("dim"), py::arg("dtype") = py::none())
      .def("uniform_", [](Tensor& self, double from, double to, py::handle) { return Tensor(ops::uniform_(self, from, to)); },
           py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = py::none())
      .def("normal_", [](Tensor& self, double mean, double std, py::handle) { return Tensor(ops::normal_(self, mean, std)); },
           py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = py::none());

  m.def("_softmax", &ops::softmax);
  m.def("_log_softmax", &ops::log_softmax);
  m.def("_nll_loss", [](const Tensor& input, const Tensor& target, py::handle weight, int reduction,
                        int64_t ignore_index) {
    return ops::nll_loss(input, target, optional_tensor(weight), reduction_of(reduction), ignore_index);
  });
  m.def("_mse_loss", [](const Tensor& input, const Tensor& target, int reduction) {
    return ops::mse_loss(input, target, reduction_of(reduction));
  });
  m.def("_binary_cross_entropy", [](const Tensor& input, const Tensor& target, py::handle weight, int reduction) {
    return ops::binary_cross_entropy(input, target, optional_tensor(weight), reduction_of(reduction));
  });
  m.def("_addmm", &ops::addmm);
  m.def("_linear", [](const Tensor& input, const Tensor& weight, py::handle bias) {
    return ops::linear(input, weight, optional_tensor(bias));
  });

  // Activations: _C._nn_<name>(input, ...) and, where PyTorch has them, Tensor methods.
  cls.def("relu_", [](Tensor& self) { return Tensor(ops::relu_(self)); })
      .def("prelu", [](const Tensor& self, const Tensor& weight) { return ops::prelu(self, weight); });
  m.def("_nn_relu_", [](Tensor& self) { return Tensor(ops::relu_(self)); });
  m.def("_nn_leaky_relu", [](const Tensor& a, double slope, bool inplace) {
    return inplace ? Tensor(ops::leaky_relu_(const_cast<Tensor&>(a), slope)) : ops::leaky_relu(a, slope);
  });
  m.def("_nn_elu", [](const Tensor& a, double alpha, double scale, double input_scale, bool inplace) {
    return inplace ? Tensor(ops::elu_(const_cast<Tensor&>(a), alpha, scale, input_scale))
                   : ops::elu(a, alpha, scale, input_scale);
  });
  m.def("_nn_selu", [](const Tensor& a, bool inplace) {
    return inplace ? Tensor(ops::selu_(const_cast<Tensor&>(a))) : ops::selu(a);
  });
  m.def("_nn_celu", [](const Tensor& a, double alpha, bool inplace) {
    return inplace ? Tensor(ops::celu_(const_cast<Tensor&>(a), alpha)) : ops::celu(a, Scalar(alpha));
  });
  m.def("_nn_gelu", [](const Tensor& a, bool tanh_approx) { return ops::gelu(a, tanh_approx); });
  m.def("_nn_silu", [](const Tensor& a, bool inplace) {
    return inplace ? Tensor(ops::silu_(const_cast<Tensor&>(a))) : ops::silu(a);
  });
  m.def("_nn_mish", [](const Tensor& a, bool inplace) {
    return inplace ? Tensor(ops::mish_(const_cast<Tensor&>(a))) : ops::mish(a);
  });
  m.def("_nn_softplus", [](const Tensor& a, double beta, double threshold) { return ops::softplus(a, beta, threshold); });
  m.def("_nn_hardtanh", [](const Tensor& a, double lo, double hi, bool inplace) {
    return inplace ? Tensor(ops::hardtanh_(const_cast<Tensor&>(a), lo, hi)) : ops::hardtanh(a, lo, hi);
  });
  m.def("_nn_hardsigmoid", [](const Tensor& a, bool inplace) {
    return inplace ? Tensor(ops::hardsigmoid_(const_cast<Tensor&>(a))) : ops::hardsigmoid(a);
  });
  m.def("_nn_hardswish", [](const Tensor& a, bool inplace) {
    return inplace ? Tensor(ops::hardswish_(const_cast<Tensor&>(a))) : ops::hardswish(a);
  });
  m.def("_nn_threshold", [](const Tensor& a, double threshold, double value, bool inplace) {
    return inplace ? Tensor(ops::threshold_(const_cast<Tensor&>(a), threshold, value))
                   : ops::threshold(a, threshold, value);
  });
  m.def("_nn_glu", [](const Tensor& a, int64_t dim) { return ops::glu(a, dim); });
  m.def("_nn_prelu", [](const Tensor& a, const Tensor& weight) { return ops::prelu(a, weight); });

  // Losses and layers.
  m.def("_smooth_l1_loss", [](const Tensor& input, const Tensor& target, int reduction, double beta) {
    return ops::smooth_l1_loss(input, target, reduction_of(reduction), beta);
  });
  m.def("_huber_loss", [](const Tensor& input, const Tensor& target, int reduction, double delta) {
    return ops::huber_loss(input, target, reduction_of(reduction), delta);
  });
  m.def("_layer_norm", [](const Tensor& input, int64_t k, py::handle weight, py::handle bias, double eps) {
    return ops::layer_norm(input, k, optional_tensor(weight), optional_tensor(bias), eps);
  });
  m.def("_embedding", &ops::embedding);
  m.def("_index_pad", &ops::index_pad);
  m.def("_constant_pad_nd", [](const Tensor& a, const std::vector<int64_t>& pad, py::handle value) {
    return ops::constant_pad_nd(a, pad, *as_scalar(value));
  });
}

}  // namespace bibun::python
