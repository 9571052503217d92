// Tensor methods of the unary math ops (ops/unary_math.h) and their in-place twins, added to
// the bibun.Tensor class that init_tensor registered. Module functions with out= are Python
// (python/bibun/_unary.py).
#include "ops/unary_math.h"
#include "python/common.h"

namespace bibun::python {

namespace {

using Unary = Tensor (*)(const Tensor&);
using UnaryInplace = Tensor& (*)(Tensor&);

// A clamp bound: None -> undefined, a Tensor, or a number as a wrapped scalar.
Tensor tensor_bound(py::handle h, const char* name) {
  if (h.is_none()) return Tensor();
  return tensor_or_scalar(h, "clamp", name);
}

std::optional<Scalar> scalar_bound(py::handle h, const char* name) {
  if (h.is_none()) return std::nullopt;
  if (auto s = as_scalar(h)) return s;
  throw py::type_error(std::string("clamp(): argument '") + name + "' must be Number or Tensor, not " +
                       Py_TYPE(h.ptr())->tp_name);
}

// clamp/clip with number bounds records ClampBackward1; any tensor bound takes the tensor form.
Tensor clamp(const Tensor& a, py::handle min, py::handle max) {
  if (is_tensor(min) || is_tensor(max)) return ops::clamp(a, tensor_bound(min, "min"), tensor_bound(max, "max"));
  return ops::clamp(a, scalar_bound(min, "min"), scalar_bound(max, "max"));
}

Tensor clamp_(Tensor& a, py::handle min, py::handle max) {
  if (is_tensor(min) || is_tensor(max)) return ops::clamp_(a, tensor_bound(min, "min"), tensor_bound(max, "max"));
  return ops::clamp_(a, scalar_bound(min, "min"), scalar_bound(max, "max"));
}

}  // namespace

void init_unary_math(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));

  struct Entry {
    const char* name;
    Unary fn;
    const char* inplace_name;
    UnaryInplace inplace;
  };
#define BIBUN_ENTRY(name) Entry{#name, &ops::name, #name "_", &ops::name##_},
  static const Entry kNew[] = {BIBUN_UNARY_MATH_NEW(BIBUN_ENTRY)};
#undef BIBUN_ENTRY
  for (const Entry& e : kNew) {
    cls.def(e.name, e.fn);
    cls.def(e.inplace_name, [f = e.inplace](Tensor& a) { return Tensor(f(a)); });
  }
  // The out-of-place forms of these are bound in tensor_bindings.cpp.
#define BIBUN_INPLACE(name) cls.def(#name "_", [](Tensor& a) { return Tensor(ops::name##_(a)); });
  BIBUN_UNARY_MATH_OLD(BIBUN_INPLACE)
#undef BIBUN_INPLACE

  cls.def("round", [](const Tensor& a, int64_t decimals) { return ops::round(a, decimals); }, py::kw_only(),
          py::arg("decimals") = 0)
      .def("round_", [](Tensor& a, int64_t decimals) { return ops::round_(a, decimals); },
           py::kw_only(), py::arg("decimals") = 0)
      .def("logit", [](const Tensor& a, std::optional<double> eps) { return ops::logit(a, eps); },
           py::arg("eps") = py::none())
      .def("logit_", [](Tensor& a, std::optional<double> eps) { return ops::logit_(a, eps); },
           py::arg("eps") = py::none())
      .def("nan_to_num",
           [](const Tensor& a, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
             return ops::nan_to_num(a, nan, posinf, neginf);
           },
           py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none())
      .def("nan_to_num_",
           [](Tensor& a, std::optional<double> nan, std::optional<double> posinf,
              std::optional<double> neginf) { return ops::nan_to_num_(a, nan, posinf, neginf); },
           py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  for (const char* name : {"clamp", "clip"}) {
    cls.def(name, &clamp, py::arg("min") = py::none(), py::arg("max") = py::none());
    cls.def((std::string(name) + "_").c_str(), &clamp_, py::arg("min") = py::none(), py::arg("max") = py::none());
  }
}

}  // namespace bibun::python
