// bibun.dtype objects and the default dtype.
#include <array>

#include "python/common.h"

namespace bibun::python {

namespace {

struct DType {
  ScalarType type;
};

std::array<py::object, kNumScalarTypes>& dtype_objects() {
  static auto* objects = new std::array<py::object, kNumScalarTypes>();  // lives as long as the module
  return *objects;
}

}  // namespace

py::object dtype_object(ScalarType t) { return dtype_objects()[static_cast<int>(t)]; }

ScalarType parse_dtype(py::handle h) {
  auto& objs = dtype_objects();
  for (int i = 0; i < kNumScalarTypes; ++i)
    if (objs[i].ptr() == h.ptr()) return static_cast<ScalarType>(i);
  throw py::type_error(std::string("expected a bibun.dtype, but got ") + Py_TYPE(h.ptr())->tp_name);
}

std::optional<ScalarType> parse_optional_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return parse_dtype(h);
}

void init_dtype(py::module_& m) {
  py::class_<DType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const DType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const DType& d) { return d.type != ScalarType::Bool; })
      .def_property_readonly("itemsize", [](const DType& d) { return itemsize(d.type); })
      .def_property_readonly("_name", [](const DType& d) { return std::string(dtype_name(d.type)); })
      .def("__repr__", [](const DType& d) { return std::string("bibun.") + dtype_name(d.type); })
      .def("__reduce__", [](const DType& d) { return std::string(dtype_name(d.type)); });
  auto& objs = dtype_objects();
  for (int i = 0; i < kNumScalarTypes; ++i) {
    objs[i] = py::cast(DType{static_cast<ScalarType>(i)});
    m.attr(dtype_name(static_cast<ScalarType>(i))) = objs[i];
  }
  m.def("get_default_dtype", [] { return dtype_object(default_dtype()); });
  m.def("set_default_dtype", [](py::handle d) { set_default_dtype(parse_dtype(d)); });
  m.def("promote_types", [](py::handle a, py::handle b) {
    return dtype_object(promote_types(parse_dtype(a), parse_dtype(b)));
  });
}

}  // namespace bibun::python
