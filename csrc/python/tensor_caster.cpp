// The Tensor caster's fast paths (declared in common.h).
#include "python/common.h"

namespace bibun::python {

// Note [Tensor caster fast paths]
// pybind11's holder caster looks the C++ type up in its type registry and the impl up in its
// instance registry on every conversion; for an op on (2, 2) tensors that was about a fifth of
// the op. Two conversions are common enough to skip them:
// - a result whose impl has one reference (the caller's) cannot have a Python object yet, so the
//   object is made directly. It is still registered, so that returning the same impl again (an op
//   that returns its input, `.grad`) finds this object, as pybind11 would;
// - an argument whose type is exactly bibun.Tensor is read from the object's value pointer.
// Everything else (subclasses, shared impls, None) takes pybind11's own path.

namespace {
const py::detail::type_info* tensor_type_info() {
  static const py::detail::type_info* info = py::detail::get_type_info(typeid(TensorImpl));
  return info;
}
}  // namespace

PyObject* wrap_unshared_tensor(const Tensor& t) {
  const py::detail::type_info* info = tensor_type_info();
  PyObject* obj = py::detail::make_new_instance(info->type);
  if (!obj) throw py::error_already_set();
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  inst->owned = true;
  py::detail::values_and_holders(inst).begin()->value_ptr() = t.get();
  info->init_instance(inst, &t);  // copies the holder and registers the instance
  return obj;
}

TensorImpl* exact_tensor_impl(PyObject* obj) {
  if (Py_TYPE(obj) != g_tensor_type) return nullptr;
  auto* inst = reinterpret_cast<py::detail::instance*>(obj);
  if (!inst->simple_layout || !inst->simple_holder_constructed) return nullptr;
  return static_cast<TensorImpl*>(inst->simple_value_holder[0]);
}

}  // namespace bibun::python
