// bibun.Size's C base: shapes are made and indexed in C (Note [Size in C]).
#include "python/common.h"

namespace bibun::python {

// Note [Size in C]
// `x.shape[0]` is in every training loop. bibun.Size is a Python subclass of tuple (its repr,
// numel, + and pickling are Python), but its indexing and its construction from a tensor's
// sizes are C: a Python __getitem__ made `x.shape[0]` five times slower than PyTorch's. The
// Python class derives from _C._SizeBase, whose subscript returns an int for an index and a
// Size for a slice, and make_size() fills a Size's items directly.

namespace {

PyTypeObject* g_size_base = nullptr;
PyTypeObject* g_size = nullptr;  // bibun.Size, registered by the Python layer

// A new instance of `type` (a tuple subclass) holding `n` items from `item(i)` (new references).
template <typename F>
PyObject* new_tuple_of(PyTypeObject* type, Py_ssize_t n, F&& item) {
  PyObject* out = type->tp_alloc(type, n);
  if (!out) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* v = item(i);
    if (!v) {
      Py_DECREF(out);
      return nullptr;
    }
    PyTuple_SET_ITEM(out, i, v);
  }
  return out;
}

PyObject* size_subscript(PyObject* self, PyObject* key) {
  PyObject* r = PyTuple_Type.tp_as_mapping->mp_subscript(self, key);
  if (!r || !PySlice_Check(key)) return r;
  PyObject* out = new_tuple_of(Py_TYPE(self), PyTuple_GET_SIZE(r), [&](Py_ssize_t i) {
    PyObject* v = PyTuple_GET_ITEM(r, i);
    Py_INCREF(v);
    return v;
  });
  Py_DECREF(r);
  return out;
}

}  // namespace

py::object make_size(const DimVector& sizes) {
  const auto n = static_cast<Py_ssize_t>(sizes.size());
  PyObject* out = new_tuple_of(g_size ? g_size : &PyTuple_Type, n,
                               [&](Py_ssize_t i) { return PyLong_FromLongLong(sizes[static_cast<size_t>(i)]); });
  if (!out) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(out);
}

void init_size_type(py::module_& m) {
  static PyType_Slot slots[] = {
      {Py_mp_subscript, reinterpret_cast<void*>(&size_subscript)},
      {Py_tp_doc, const_cast<char*>("The C base of bibun.Size: indexing and construction.")},
      {0, nullptr},
  };
  static PyType_Spec spec = {"bibun._C._SizeBase", 0, 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, slots};
  py::tuple bases = py::make_tuple(py::handle(reinterpret_cast<PyObject*>(&PyTuple_Type)));
  PyObject* type = PyType_FromSpecWithBases(&spec, bases.ptr());
  if (!type) throw py::error_already_set();
  g_size_base = reinterpret_cast<PyTypeObject*>(type);
  m.add_object("_SizeBase", py::reinterpret_steal<py::object>(type));
  m.def("_set_size_type", [](py::object t) {
    BIBUN_CHECK_T(TypeError, PyType_Check(t.ptr()) && PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(t.ptr()), g_size_base),
                  "the Size type must derive from _C._SizeBase");
    Py_INCREF(t.ptr());  // kept for the life of the process
    g_size = reinterpret_cast<PyTypeObject*>(t.ptr());
  });
}

}  // namespace bibun::python
