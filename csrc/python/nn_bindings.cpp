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
}

}  // namespace bibun::python
