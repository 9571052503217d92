// The bibun._C module: registers every binding area and translates core errors.
#include "python/common.h"

namespace bibun::python {

namespace {
// numpy's scalar base classes (numpy is imported before bibun._C; see bibun/__init__.py).
struct NumpyScalarTypes {
  py::object bool_, integer, floating;
};
const NumpyScalarTypes* numpy_scalar_types() {
  static const NumpyScalarTypes* types = [] {
    auto* t = new NumpyScalarTypes();  // alive until exit
    py::module_ np = py::module_::import("numpy");
    t->bool_ = np.attr("bool_");
    t->integer = np.attr("integer");
    t->floating = np.attr("floating");
    return t;
  }();
  return types;
}
}  // namespace

// The numbers PyTorch takes where a Scalar goes: Python bool/int/float and numpy's bool, integer
// and floating scalars. Anything else (Fraction, Decimal, an object with __float__) is not a
// number, so an operator returns NotImplemented and the other operand's reflected method runs.
std::optional<Scalar> as_scalar(py::handle h) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) return Scalar(o == Py_True);
  if (PyFloat_Check(o)) return Scalar(PyFloat_AS_DOUBLE(o));
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
      PyErr_SetString(PyExc_OverflowError, "int too big to convert");
      throw py::error_already_set();
    }
    return Scalar(static_cast<int64_t>(v));
  }
  if (is_tensor(h) || Py_TYPE(o)->tp_as_number == nullptr) return std::nullopt;
  const NumpyScalarTypes* np = numpy_scalar_types();
  // PyTorch reads a numpy bool as a float (int_t + np.bool_(True) is float32).
  if (PyObject_IsInstance(o, np->bool_.ptr()) == 1) return Scalar(PyObject_IsTrue(o) == 1 ? 1.0 : 0.0);
  if (PyObject_IsInstance(o, np->integer.ptr()) == 1) {
    PyObject* index = PyNumber_Index(o);
    if (!index) throw py::error_already_set();
    return as_scalar(py::reinterpret_steal<py::object>(index));
  }
  if (PyObject_IsInstance(o, np->floating.ptr()) == 1) return Scalar(py::reinterpret_borrow<py::object>(h).cast<double>());
  return std::nullopt;
}

void init_api_gaps(py::module_& m);  // api_gaps_bindings.cpp

Tensor tensor_or_scalar(py::handle h, const char* op, const char* arg) {
  if (is_tensor(h)) return as_tensor(h);
  if (auto s = as_scalar(h)) return ops::wrapped_scalar(*s);
  throw py::type_error(std::string(op) + "(): argument '" + arg + "' must be Tensor, not " +
                       Py_TYPE(h.ptr())->tp_name);
}

DimVector parse_sizes(py::handle seq) {
  DimVector sizes;
  for (py::handle item : seq) {
    if (!PyLong_Check(item.ptr()) || PyBool_Check(item.ptr())) {
      if (PyObject_HasAttrString(item.ptr(), "__index__") && !PyBool_Check(item.ptr()) && !is_tensor(item)) {
        sizes.push_back(py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>());
        continue;
      }
      if (is_tensor(item) && as_tensor(item).numel() == 1 && !is_floating(as_tensor(item).dtype())) {
        sizes.push_back(py::int_(item.attr("item")()).cast<int64_t>());
        continue;
      }
      throw py::type_error(std::string("expected a sequence of integers as size, but got an element of type '") +
                           Py_TYPE(item.ptr())->tp_name + "'");
    }
    sizes.push_back(item.cast<int64_t>());
  }
  return sizes;
}

std::vector<int64_t> parse_dims(py::handle dim) {
  if (dim.is_none()) return {};
  if (PyLong_Check(dim.ptr())) return {dim.cast<int64_t>()};
  std::vector<int64_t> dims;
  for (py::handle d : dim) dims.push_back(d.cast<int64_t>());
  return dims;
}

}  // namespace bibun::python

PYBIND11_MODULE(_C, m) {
  namespace py = pybind11;
  using namespace bibun::python;
  m.doc() = "bibun's C++ core: tensors, kernels and the autograd engine";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const bibun::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const bibun::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const bibun::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const bibun::NotImplementedError& e) {
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const bibun::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
  });

  init_dtype(m);
  init_tensor(m);
  init_autograd(m);
  init_functions(m);
  init_unary_math(m);
  init_hooks(m);
  init_function(m);
  init_saved_tensor_hooks(m);
  init_nn(m);
  init_optim(m);
  init_binary(m);
  init_reduction(m);
  init_indexing_ops(m);
  init_shape(m);
  init_linalg(m);
  init_conv(m);
  init_api_gaps(m);
}
