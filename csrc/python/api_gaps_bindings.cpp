// Tensor methods and private functions of the API-gap ops (ops/api_gaps.h); python/bibun/_api_gaps.py
// adds the module functions with out= and the Python-level methods.
#include "ops/api_gaps.h"
#include "python/common.h"

namespace bibun::python {

namespace {

// clamp_min/clamp_max take a number or a tensor bound.
template <typename FS, typename FT>
Tensor bound_call(const Tensor& a, py::handle bound, const char* op, const char* arg, FS&& by_scalar,
                  FT&& by_tensor) {
  if (is_tensor(bound)) return by_tensor(as_tensor(bound));
  if (auto s = as_scalar(bound)) return by_scalar(*s);
  throw py::type_error(std::string(op) + "(): argument '" + arg + "' must be Number or Tensor, not " +
                       Py_TYPE(bound.ptr())->tp_name);
}

}  // namespace

void init_api_gaps(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  cls.def(
      "clamp_min",
      [](const Tensor& a, py::handle min) {
        return bound_call(
            a, min, "clamp_min", "min", [&](Scalar s) { return ops::clamp_min(a, s); },
            [&](const Tensor& t) { return ops::clamp_min(a, t); });
      },
      py::arg("min"));
  cls.def(
      "clamp_max",
      [](const Tensor& a, py::handle max) {
        return bound_call(
            a, max, "clamp_max", "max", [&](Scalar s) { return ops::clamp_max(a, s); },
            [&](const Tensor& t) { return ops::clamp_max(a, t); });
      },
      py::arg("max"));
  cls.def(
      "clamp_min_",
      [](Tensor& a, py::handle min) {
        return bound_call(
            a, min, "clamp_min_", "min", [&](Scalar s) { return ops::clamp_min_(a, s); },
            [&](const Tensor& t) { return ops::clamp_min_(a, t); });
      },
      py::arg("min"));
  cls.def(
      "clamp_max_",
      [](Tensor& a, py::handle max) {
        return bound_call(
            a, max, "clamp_max_", "max", [&](Scalar s) { return ops::clamp_max_(a, s); },
            [&](const Tensor& t) { return ops::clamp_max_(a, t); });
      },
      py::arg("max"));
  cls.def(
      "logaddexp",
      [](const Tensor& a, py::handle other) {
        if (!is_tensor(other))
          throw py::type_error(std::string("logaddexp(): argument 'other' (position 1) must be Tensor, not ") +
                               Py_TYPE(other.ptr())->tp_name);
        return ops::logaddexp(a, as_tensor(other));
      },
      py::arg("other"));
  cls.def("sinc", [](const Tensor& a) { return ops::sinc(a); });
  cls.def("sinc_", [](Tensor& a) -> Tensor { return ops::sinc_(a); });
  cls.def(
      "dist",
      [](const Tensor& a, py::handle other, double p) {
        if (!is_tensor(other))
          throw py::type_error(std::string("dist(): argument 'other' (position 1) must be Tensor, not ") +
                               Py_TYPE(other.ptr())->tp_name);
        return ops::dist(a, as_tensor(other), p);
      },
      py::arg("other"), py::arg("p") = 2.0);
  cls.def("logcumsumexp", [](const Tensor& a, int64_t dim) { return ops::logcumsumexp(a, dim); }, py::arg("dim"));
  cls.def(
      "heaviside",
      [](const Tensor& a, py::handle values) {
        if (!is_tensor(values))
          throw py::type_error(std::string("heaviside(): argument 'values' (position 1) must be Tensor, not ") +
                               Py_TYPE(values.ptr())->tp_name);
        return ops::heaviside(a, as_tensor(values));
      },
      py::arg("values"));
  cls.def(
      "heaviside_",
      [](Tensor& a, py::handle values) -> Tensor {
        if (!is_tensor(values))
          throw py::type_error(std::string("heaviside_(): argument 'values' (position 1) must be Tensor, not ") +
                               Py_TYPE(values.ptr())->tp_name);
        return ops::heaviside_(a, as_tensor(values));
      },
      py::arg("values"));
  m.def("_cdist", [](const Tensor& x1, const Tensor& x2, double p) { return ops::cdist(x1, x2, p); });
  m.def("_record_bernoulli", [](const Tensor& out, const Tensor& input, bool with_p) {
    ops::record_bernoulli(out, input, with_p);
  });
  m.def("_record_normal", [](const Tensor& out, std::optional<Tensor> mean, std::optional<Tensor> std) {
    ops::record_normal(out, mean.value_or(Tensor()), std.value_or(Tensor()));
  });
  m.def("_rsub_scalar", [](const Tensor& a, py::handle other, py::handle alpha) {
    auto o = as_scalar(other);
    auto s = as_scalar(alpha);
    if (!o || !s) throw py::type_error("rsub(): argument 'other' and 'alpha' must be Numbers");
    return ops::rsub(a, ops::wrapped_scalar(*o), *s);
  });
  m.def("_rsub_tensor", [](const Tensor& a, const Tensor& other, py::handle alpha) {
    auto s = as_scalar(alpha);
    if (!s) throw py::type_error("rsub(): argument 'alpha' must be Number");
    return ops::rsub_tensor(a, other, *s);
  });
}

}  // namespace bibun::python
