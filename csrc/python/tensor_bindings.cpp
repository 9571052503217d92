// bibun.Tensor: the bound TensorImpl with its attributes, operators and methods. Python-only
// methods (repr, numpy, backward's argument handling) are attached in python/bibun/_tensor.py.
#include "autograd/autograd_meta.h"
#include "autograd/node.h"
#include "autograd/variable.h"
#include "kernels/kernels.h"
#include "python/common.h"
#include "python/py_refs.h"
#include "ops/api_gaps.h"
#include "ops/write_checks.h"

namespace bibun::python {

PyTypeObject* g_tensor_type = nullptr;

// size_type.cpp
void init_size_type(py::module_& m);
py::object make_size(const DimVector& sizes);

namespace {

using kernels::BinaryOp;
const Scalar kOne(int64_t{1});

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// Large kernels run without the GIL, so other Python threads go on meanwhile (as in PyTorch); small
// ones keep it, as releasing costs more than they take. Nothing in an op touches Python objects
// without taking the GIL itself (hooks, anomaly traces, numpy-owned storage).
constexpr int64_t kReleaseGilNumel = 1 << 16;

template <typename F>
auto without_gil_if_large(int64_t numel, F&& f) {
  if (numel < kReleaseGilNumel) return f();
  py::gil_scoped_release no_gil;
  return f();
}

// A binary operator: Tensor or Python number on the right; anything else -> NotImplemented
// so that Python tries the reflected operator.
template <typename Self, typename F>
py::object binary_operator(Self&& self, py::handle other, F&& f) {
  Tensor b;
  if (is_tensor(other)) {
    b = as_tensor(other);
  } else if (auto s = as_scalar(other)) {
    b = ops::wrapped_scalar(*s);
  } else {
    return not_implemented();
  }
  return py::cast(without_gil_if_large(self.numel() + b.numel(), [&] { return f(self, b); }));
}

// The arithmetic operators' bodies, shared by the dunder methods and the number slots below:
// `self` is the tensor whose method runs, `other` the other operand made a tensor.
constexpr auto add_op = [](const Tensor& self, const Tensor& other) { return ops::add(self, other, kOne); };
constexpr auto radd_op = [](const Tensor& self, const Tensor& other) { return ops::add(other, self, kOne); };
constexpr auto sub_op = [](const Tensor& self, const Tensor& other) { return ops::sub(self, other, kOne); };
// With a tensor `other` (an explicit x.__rsub__(y), or a subclass that overrides __sub__ only)
// both inputs are differentiated (RsubBackward0), as in PyTorch.
constexpr auto rsub_op = [](const Tensor& self, const Tensor& other) {
  ops::check_subtraction_dtypes(other, self);  // `True - bool_t` is a subtraction of two bools
  return other->is_wrapped_number() ? ops::rsub(self, other, kOne) : ops::rsub_tensor(self, other, kOne);
};
constexpr auto mul_op = [](const Tensor& self, const Tensor& other) { return ops::mul(self, other); };
constexpr auto rmul_op = [](const Tensor& self, const Tensor& other) { return ops::mul(other, self); };
constexpr auto div_op = [](const Tensor& self, const Tensor& other) { return ops::div(self, other); };
// PyTorch computes other / self as self.reciprocal() * other (MulBackward0).
constexpr auto rdiv_op = [](const Tensor& self, const Tensor& other) { return ops::mul(ops::reciprocal(self), other); };

// Note [Number slots]
// `x + y` on a bibun.Tensor would otherwise take CPython's generic slot: look up __add__, bind a
// method object, enter pybind11's dispatcher and convert the arguments, which costs more than the
// whole add of two (2, 2) tensors. The Tensor type's add, subtract, multiply and true-divide slots
// therefore run the operator's body directly. The dunder methods stay, for explicit calls and for
// Python subclasses (CPython points a subclass's slots back at them), and run the same body.
// As CPython's own slot does, the slot runs `a`'s method when `a`'s type has this slot and else
// `b`'s reflected one.
template <binaryfunc PyNumberMethods::*Slot, typename Forward, typename Reflected>
PyObject* number_slot(PyObject* a, PyObject* b) {
  try {
    const PyNumberMethods* a_slots = Py_TYPE(a)->tp_as_number;
    const bool forward = a_slots && a_slots->*Slot == &number_slot<Slot, Forward, Reflected>;
    py::object r = forward ? binary_operator(as_tensor(a), b, Forward{}) : binary_operator(as_tensor(b), a, Reflected{});
    return r.release().ptr();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (...) {
    py::detail::try_translate_exceptions();
  }
  return nullptr;
}

// Installs the direct slot on `type` (bibun.Tensor, or a Python subclass that defines neither of
// the slot's two dunders: CPython gave it the generic slot, which would ask the reflected method
// first and cost a method lookup per op).
template <binaryfunc PyNumberMethods::*Slot, typename Forward, typename Reflected>
void install_number_slot(PyTypeObject* type, const char* name, const char* reflected_name) {
  if (type != g_tensor_type) {
    for (const char* dunder : {name, reflected_name}) {
      py::str key(dunder);
      if (_PyType_Lookup(type, key.ptr()) != _PyType_Lookup(g_tensor_type, key.ptr())) return;
    }
  }
  type->tp_as_number->*Slot = &number_slot<Slot, Forward, Reflected>;
}

// The four slots with their dunders and bodies, listed once: f.template operator()<Slot, Forward,
// Reflected>(name, reflected_name) for each.
template <typename F>
void for_each_number_slot(F&& f) {
  f.template operator()<&PyNumberMethods::nb_add, decltype(add_op), decltype(radd_op)>("__add__", "__radd__");
  f.template operator()<&PyNumberMethods::nb_subtract, decltype(sub_op), decltype(rsub_op)>("__sub__", "__rsub__");
  f.template operator()<&PyNumberMethods::nb_multiply, decltype(mul_op), decltype(rmul_op)>("__mul__", "__rmul__");
  f.template operator()<&PyNumberMethods::nb_true_divide, decltype(div_op), decltype(rdiv_op)>("__truediv__",
                                                                                              "__rtruediv__");
}

void install_number_slots(PyTypeObject* type) {
  for_each_number_slot([&]<binaryfunc PyNumberMethods::*Slot, typename Forward, typename Reflected>(
                           const char* name, const char* reflected_name) {
    install_number_slot<Slot, Forward, Reflected>(type, name, reflected_name);
  });
}

Scalar parse_alpha(py::handle alpha) {
  auto s = as_scalar(alpha);
  if (!s) throw py::type_error("alpha must be a number");
  return *s;
}

py::object scalar_to_python(const Tensor& t) {
  BIBUN_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  return dispatch_all(t.dtype(), [&]<typename T>() -> py::object {
    T v = *static_cast<const T*>(t->data());  // the single element sits at the offset
    if constexpr (std::is_same_v<T, bool>) return py::bool_(v);
    else if constexpr (std::is_floating_point_v<T>) return py::float_(static_cast<double>(v));
    else return py::int_(static_cast<int64_t>(v));
  });
}

// An int, not a bool: py::int_ keeps a bool as it is, and CPython warns when __index__ or
// __int__ returns one.
py::object exact_int(const py::object& number) {
  PyObject* r = PyNumber_Long(number.ptr());
  if (!r) throw py::error_already_set();
  return py::reinterpret_steal<py::object>(r);
}

const char* buffer_format(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "?";
    case ScalarType::Int32: return "i";
    case ScalarType::Int64: return "q";
    case ScalarType::Float32: return "f";
    case ScalarType::Float64: return "d";
  }
  return "B";
}

py::tuple dims_tuple(const DimVector& v) {
  py::tuple t(v.size());
  for (size_t i = 0; i < v.size(); ++i) t[i] = py::int_(v[i]);
  return t;
}


// Sizes given as varargs or as one sequence: x.expand(2, 3) or x.expand((2, 3)).
DimVector sizes_from_args(const py::args& args) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return parse_sizes(args[0]);
  return parse_sizes(args);
}

// The same, also accepting the sizes as the keyword `name` (x.expand(size=(2, 3))); no sizes at all
// is PyTorch's missing-argument TypeError.
DimVector sizes_from_args(const py::args& args, const py::kwargs& kw, const char* fn, const char* name) {
  if (kw.size() == 1 && kw.contains(name) && args.size() == 0) return parse_sizes(kw[name]);
  BIBUN_CHECK_T(TypeError, kw.size() == 0, fn, "() got an unexpected keyword argument");
  BIBUN_CHECK_T(TypeError, args.size() != 0, fn, "() missing 1 required positional arguments: \"", name, "\"");
  return sizes_from_args(args);
}

}  // namespace

void init_tensor(py::module_& m) {
  // gc support: Note [Tensor gc traversal] (gc_traverse.cpp).
  auto cls = py::class_<TensorImpl, Tensor>(m, "Tensor", py::buffer_protocol(), py::custom_type_setup(setup_tensor_gc));
  g_tensor_type = reinterpret_cast<PyTypeObject*>(cls.ptr());
  // CPython's own error texts name a type by tp_name ("unsupported operand type(s) for +: 'Tensor'
  // and 'str'", "'Tensor' object has no attribute ..."), which pybind11 sets to "bibun._C.Tensor";
  // PyTorch's says 'Tensor'. __module__ and __qualname__, which repr and pickle use, are not affected.
  g_tensor_type->tp_name = "Tensor";

  init_size_type(m);  // size_type.cpp

  cls.def_buffer([](TensorImpl& t) -> py::buffer_info {
    // numpy then falls back to __array__, which raises PyTorch's numpy() error.
    if (Tensor(&t).requires_grad()) throw py::buffer_error("tensor requires grad");
    std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end());
    std::vector<py::ssize_t> strides;
    for (int64_t s : t.strides()) strides.push_back(s * static_cast<py::ssize_t>(itemsize(t.dtype())));
    return py::buffer_info(t.data(), static_cast<py::ssize_t>(itemsize(t.dtype())), buffer_format(t.dtype()),
                           static_cast<py::ssize_t>(t.dim()), shape, strides);
  });

  // Metadata
  cls.def_property_readonly("shape", [](const Tensor& t) { return make_size(t.sizes()); })
      .def("size", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return make_size(t.sizes());
        if (t.dim() == 0)
          throw py::index_error("Dimension specified as " + std::to_string(dim.cast<int64_t>()) +
                                " but tensor has no dimensions");
        return py::int_(t.size(dim.cast<int64_t>()));
      }, py::arg("dim") = py::none())
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return dims_tuple(t.strides());
        if (t.dim() == 0)
          throw py::index_error("Dimension specified as " + std::to_string(dim.cast<int64_t>()) +
                                " but tensor has no dimensions");
        return py::int_(t.strides()[wrap_dim(dim.cast<int64_t>(), t.dim())]);
      }, py::arg("dim") = py::none())
      .def("dim", [](const Tensor& t) { return t.dim(); })
      .def("ndimension", [](const Tensor& t) { return t.dim(); })
      .def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); })
      .def("numel", [](const Tensor& t) { return t.numel(); })
      .def("nelement", [](const Tensor& t) { return t.numel(); })
      .def("element_size", [](const Tensor& t) { return itemsize(t.dtype()); })
      .def_property_readonly("dtype", [](const Tensor& t) { return dtype_object(t.dtype()); })
      .def("is_contiguous", [](const Tensor& t) { return t.is_contiguous(); })
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("storage_offset", [](const Tensor& t) { return t->offset(); })
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t->data()); })
      .def_property_readonly("_version", [](const Tensor& t) { return t->version(); })
      .def_property_readonly("_is_view", [](const Tensor& t) { return t->is_view(); })
      .def("item", &scalar_to_python)
      .def("__len__", [](const Tensor& t) {
        if (t.dim() == 0) throw py::type_error("len() of a 0-d tensor");
        return t.sizes()[0];
      })
      .def("__bool__", [](const Tensor& t) {
        BIBUN_CHECK(t.numel() == 1, "Boolean value of Tensor with ", t.numel() == 0 ? "no values" : "more than one value",
                    " is ambiguous");
        return PyObject_IsTrue(scalar_to_python(t).ptr()) == 1;
      })
      .def("__float__", [](const Tensor& t) { return py::float_(scalar_to_python(t)); })
      .def("__int__", [](const Tensor& t) { return exact_int(scalar_to_python(t)); })
      .def("__index__", [](const Tensor& t) {
        if (!is_integral(t.dtype(), true) || t.numel() != 1)
          throw py::type_error("only integer tensors of a single element can be converted to an index");
        return exact_int(scalar_to_python(t));
      })
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); });

  // Autograd attributes
  cls.def_property(
         "requires_grad", [](const Tensor& t) { return t.requires_grad(); },
         [](const Tensor& t, bool v) {
           // PyTorch words this check differently in each entry point.
           BIBUN_CHECK(!v || is_floating(t.dtype()), "only Tensors of floating point and complex dtype can require gradients");
           set_requires_grad(t, v);
         })
      .def("requires_grad_", [](const Tensor& t, bool v) {
        BIBUN_CHECK(!v || is_floating(t.dtype()), "only Tensors of floating point dtype can require gradients");
        set_requires_grad(t, v);
        return t;
      },
           py::arg("requires_grad") = true)
      .def_property_readonly("is_leaf", [](const Tensor& t) { return is_leaf(t); })
      .def_property_readonly("grad_fn", [](const Tensor& t) { return node_to_python(grad_fn(t)); })
      .def_property(
          "grad",
          [](const Tensor& t) -> py::object {
            AutogradMeta* meta = t->autograd_meta();
            if (!is_leaf(t) && !(meta && meta->retains_grad)) {
              PyErr_WarnEx(PyExc_UserWarning,
                           "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
                           "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
                           "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
                           "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
                           "instead. See github.com/pytorch/pytorch/pull/30531 for more information.",
                           1);
            }
            if (!meta || !meta->grad.defined()) return py::none();
            return py::cast(meta->grad);
          },
          [](const Tensor& t, py::object g) {
            if (g.is_none()) {
              if (AutogradMeta* meta = t->autograd_meta()) meta->grad = Tensor();
              return;
            }
            if (!is_tensor(g)) throw py::type_error("assigned grad expected to be a Tensor or None but got grad of type " +
                                                    std::string(Py_TYPE(g.ptr())->tp_name));
            Tensor grad = as_tensor(g);
            BIBUN_CHECK(grad.dtype() == t.dtype(), "assigned grad has data of a different type");
            BIBUN_CHECK(grad.sizes() == t.sizes(), "assigned grad has data of a different size");
            t->ensure_autograd_meta().grad = grad;
          })
      .def_property_readonly("_retains_grad_flag", [](const Tensor& t) {
        return t->autograd_meta() && t->autograd_meta()->retains_grad;
      })
      .def_property(
          "data", [](const Tensor& t) { return detach(t, /*share_version=*/false); },
          [](const Tensor& t, const Tensor& other) { t->set_data(*other.get()); })
      .def("detach", [](const Tensor& t) { return detach(t); })
      .def("detach_", [](const Tensor& t) {
        if (AutogradMeta* meta = t->autograd_meta()) {
          meta->grad_fn.reset();
          meta->requires_grad = false;
        }
        return t;
      });

  // Operators
  cls.def("__add__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, add_op); })
      .def("__radd__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, radd_op); })
      .def("__sub__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, sub_op); })
      .def("__rsub__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, rsub_op); })
      .def("__mul__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, mul_op); })
      .def("__rmul__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, rmul_op); })
      .def("__truediv__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, div_op); })
      .def("__rtruediv__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, rdiv_op); })
      .def("__pow__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::pow(x, y); }); })
      .def("__rpow__", [](const Tensor& a, py::handle b) -> py::object {
        if (auto s = as_scalar(b)) return py::cast(ops::pow(*s, a));
        return not_implemented();
      })
      .def("__matmul__", [](const Tensor& a, py::handle b) -> py::object {
        if (!is_tensor(b)) return not_implemented();
        Tensor other = as_tensor(b);
        return py::cast(without_gil_if_large(a.numel() + other.numel(), [&] { return ops::matmul(a, other); }));
      })
      .def("__rmatmul__", [](const Tensor& a, py::handle b) -> py::object {
        if (!is_tensor(b)) return not_implemented();
        Tensor other = as_tensor(b);
        return py::cast(without_gil_if_large(a.numel() + other.numel(), [&] { return ops::matmul(other, a); }));
      })
      .def("__neg__", [](const Tensor& a) { return ops::neg(a); })
      .def("__pos__", [](const Tensor& a) { return a; })
      .def("__abs__", [](const Tensor& a) { return ops::abs(a); })
      .def("__eq__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Eq), x, y); }); })
      .def("__ne__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Ne), x, y); }); })
      .def("__lt__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Lt), x, y); }); })
      .def("__le__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Le), x, y); }); })
      .def("__gt__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Gt), x, y); }); })
      .def("__ge__", [](const Tensor& a, py::handle b) { return binary_operator(a, b, [](auto& x, auto& y) { return ops::compare(int(BinaryOp::Ge), x, y); }); })
      // A foreign operand gives NotImplemented, so that `x += obj` falls back to obj.__radd__.
      .def("__iadd__", [](Tensor& a, py::handle b) { return binary_operator(a, b, [](Tensor& x, auto& y) { return Tensor(ops::add_(x, y, kOne)); }); })
      .def("__isub__", [](Tensor& a, py::handle b) { return binary_operator(a, b, [](Tensor& x, auto& y) { return Tensor(ops::sub_(x, y, kOne)); }); })
      .def("__imul__", [](Tensor& a, py::handle b) { return binary_operator(a, b, [](Tensor& x, auto& y) { return Tensor(ops::mul_(x, y)); }); })
      .def("__itruediv__", [](Tensor& a, py::handle b) { return binary_operator(a, b, [](Tensor& x, auto& y) { return Tensor(ops::div_(x, y)); }); });

  // After the dunder methods: defining one resets its slot to CPython's generic one.
  install_number_slots(g_tensor_type);
  // Called by Tensor.__init_subclass__ (python/bibun/_tensor.py) for every Python subclass.
  m.def("_install_number_slots", [](py::handle cls) {
    BIBUN_CHECK_T(TypeError, PyType_Check(cls.ptr()) && PyType_IsSubtype(reinterpret_cast<PyTypeObject*>(cls.ptr()), g_tensor_type),
                  "_install_number_slots expects a subclass of Tensor");
    install_number_slots(reinterpret_cast<PyTypeObject*>(cls.ptr()));
  });
  // For tests: whether the slots are still the direct ones (assigning Tensor.__add__ from Python
  // would quietly put the generic slot back).
  m.def("_number_slots_are_direct", [] {
    bool direct = true;
    for_each_number_slot([&]<binaryfunc PyNumberMethods::*Slot, typename Forward, typename Reflected>(const char*,
                                                                                                     const char*) {
      direct &= g_tensor_type->tp_as_number->*Slot == &number_slot<Slot, Forward, Reflected>;
    });
    return direct;
  });

  // Methods
  cls.def("add", [](const Tensor& a, py::handle b, py::handle alpha) {
        return ops::add(a, tensor_or_scalar(b, "add", "other"), parse_alpha(alpha));
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("sub", [](const Tensor& a, py::handle b, py::handle alpha) {
        return ops::sub(a, tensor_or_scalar(b, "sub", "other"), parse_alpha(alpha));
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("mul", [](const Tensor& a, py::handle b) { return ops::mul(a, tensor_or_scalar(b, "mul", "other")); }, py::arg("other"))
      .def("pow", [](const Tensor& a, py::handle e) { return ops::pow(a, tensor_or_scalar(e, "pow", "exponent")); }, py::arg("exponent"))
      .def("neg", [](const Tensor& a) { return ops::neg(a); })
      .def("exp", [](const Tensor& a) { return ops::exp(a); })
      .def("log", [](const Tensor& a) { return ops::log(a); })
      .def("sigmoid", [](const Tensor& a) { return ops::sigmoid(a); })
      .def("abs", [](const Tensor& a) { return ops::abs(a); })
      .def("sign", [](const Tensor& a) { return ops::sign(a); })
      .def("sqrt", [](const Tensor& a) { return ops::sqrt(a); })
      .def("reciprocal", [](const Tensor& a) { return ops::reciprocal(a); })
      .def("eq", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Eq), a, tensor_or_scalar(b, "eq", "other")); }, py::arg("other"))
      .def("ne", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Ne), a, tensor_or_scalar(b, "ne", "other")); }, py::arg("other"))
      .def("lt", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Lt), a, tensor_or_scalar(b, "lt", "other")); }, py::arg("other"))
      .def("le", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Le), a, tensor_or_scalar(b, "le", "other")); }, py::arg("other"))
      .def("gt", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Gt), a, tensor_or_scalar(b, "gt", "other")); }, py::arg("other"))
      .def("ge", [](const Tensor& a, py::handle b) { return ops::compare(int(BinaryOp::Ge), a, tensor_or_scalar(b, "ge", "other")); }, py::arg("other"))
      .def("equal", [](const Tensor& a, const Tensor& b) { return ops::equal(a, b); })
      .def("masked_fill", [](const Tensor& a, const Tensor& mask, py::handle v) {
        auto s = as_scalar(v);
        if (!s) throw py::type_error("masked_fill(): value must be a number");
        return ops::masked_fill(a, mask, *s);
      })
      .def("sum", [](const Tensor& a, py::handle dim, bool keepdim, py::handle dtype) {
        return ops::sum(a, parse_dims(dim), keepdim, parse_optional_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none())
      .def("mean", [](const Tensor& a, py::handle dim, bool keepdim, py::handle dtype) {
        return ops::mean(a, parse_dims(dim), keepdim, parse_optional_dtype(dtype));
      }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none())
      .def("all", [](const Tensor& a, py::handle dim, bool keepdim) { return ops::all(a, parse_dims(dim), keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def("any", [](const Tensor& a, py::handle dim, bool keepdim) { return ops::any(a, parse_dims(dim), keepdim); },
           py::arg("dim") = py::none(), py::arg("keepdim") = false)
      .def("_celu", [](const Tensor& a, py::handle alpha) { return ops::celu(a, *as_scalar(alpha)); })
      .def("_where", [](const Tensor& cond, py::handle a, py::handle b) {
        return ops::where(cond, tensor_or_scalar(a, "where", "input"), tensor_or_scalar(b, "where", "other"));
      })
      .def("_vector_norm", [](const Tensor& a, double p, py::handle dim, bool keepdim) {
        return ops::norm(a, p, parse_dims(dim), keepdim);
      })
      .def("matmul", [](const Tensor& a, const Tensor& b) {
        return without_gil_if_large(a.numel() + b.numel(), [&] { return ops::matmul(a, b); });
      })
      .def("mm", [](const Tensor& a, const Tensor& b) {
        return without_gil_if_large(a.numel() + b.numel(), [&] { return ops::mm(a, b); });
      })
      .def("mv", [](const Tensor& a, const Tensor& b) { return ops::mv(a, b); })
      .def("dot", [](const Tensor& a, const Tensor& b) { return ops::dot(a, b); })
      .def("t", [](const Tensor& a) { return ops::t(a); })
      .def_property_readonly("T", [](const Tensor& a) {
        // PyTorch's x.T is a permute reversing the dims (PermuteBackward0).
        std::vector<int64_t> dims;
        for (int64_t d = a.dim() - 1; d >= 0; --d) dims.push_back(d);
        return ops::permute(a, dims);
      })
      .def("transpose", [](const Tensor& a, int64_t d0, int64_t d1) { return ops::transpose(a, d0, d1); })
      .def("unsqueeze", [](const Tensor& a, int64_t d) { return ops::unsqueeze(a, d); })
      .def("expand", [](const Tensor& a, py::args sizes, py::kwargs kw) {
        return ops::expand(a, sizes_from_args(sizes, kw, "expand", "size"));
      })
      .def("expand_as", [](const Tensor& a, const Tensor& b) { return ops::expand(a, b.sizes()); })
      .def("clone", [](const Tensor& a) { return ops::clone(a); })
      .def("contiguous", [](const Tensor& a) { return ops::contiguous(a); })
      .def("_to_dtype", [](const Tensor& a, py::handle dtype) { return ops::to_dtype(a, parse_dtype(dtype)); })
      .def("zero_", [](Tensor& a) { return ops::zero_(a); })
      .def("fill_", [](Tensor& a, py::handle v) {
        Tensor vt = tensor_or_scalar(v, "fill_", "value");
        BIBUN_CHECK(vt.dim() == 0, "fill_ only supports 0-dimension value tensor but got tensor with ", vt.dim(), " dimensions.");
        Scalar s = dispatch_all(vt.dtype(), [&]<typename T>() -> Scalar {
          T x = vt.data<T>()[0];
          if constexpr (std::is_same_v<T, bool>) return Scalar(x);
          else if constexpr (std::is_floating_point_v<T>) return Scalar(static_cast<double>(x));
          else return Scalar(static_cast<int64_t>(x));
        });
        return ops::fill_(a, s);
      })
      .def("add_", [](Tensor& a, py::handle b, py::handle alpha) {
        return ops::add_(a, tensor_or_scalar(b, "add_", "other"), parse_alpha(alpha));
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("sub_", [](Tensor& a, py::handle b, py::handle alpha) {
        return ops::sub_(a, tensor_or_scalar(b, "sub_", "other"), parse_alpha(alpha));
      }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1)
      .def("mul_", [](Tensor& a, py::handle b) { return ops::mul_(a, tensor_or_scalar(b, "mul_", "other")); })
      .def("view", [](const Tensor& a, py::args shape, py::kwargs kw) {
        if (shape.size() == 1 && !PyLong_Check(shape[0].ptr()) && !PySequence_Check(shape[0].ptr()))
          return ops::to_dtype(a, parse_dtype(shape[0]));  // view(dtype) of the same itemsize is not supported
        BIBUN_CHECK_T(TypeError, shape.size() != 0 || kw.size() != 0,
                      "view() received an invalid combination of arguments - got (), but expected one of:\n"
                      " * (bibun.dtype dtype)\n * (tuple of ints size)\n");
        return ops::view(a, sizes_from_args(shape, kw, "view", "size"));
      })
      .def("view_as", [](const Tensor& a, const Tensor& other) { return ops::view(a, other.sizes()); })
      .def("reshape", [](const Tensor& a, py::args shape, py::kwargs kw) {
        return ops::reshape(a, sizes_from_args(shape, kw, "reshape", "shape"));
      })
      .def("reshape_as", [](const Tensor& a, const Tensor& other) { return ops::reshape(a, other.sizes()); })
      .def("flatten", [](const Tensor& a, int64_t s, int64_t e) { return ops::flatten(a, s, e); },
           py::arg("start_dim") = 0, py::arg("end_dim") = -1)
      .def("permute", [](const Tensor& a, py::args dims, py::kwargs kw) {
        DimVector d = sizes_from_args(dims, kw, "permute", "dims");
        return ops::permute(a, d.vec());
      })
      .def("select", [](const Tensor& a, int64_t dim, int64_t index) { return ops::select(a, dim, index); })
      .def("narrow", [](const Tensor& a, int64_t dim, int64_t start, int64_t length) {
        BIBUN_CHECK(a.dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
        BIBUN_CHECK(length >= 0, "narrow(): length must be non-negative.");
        int64_t d = wrap_dim(dim, a.dim());
        int64_t size = a.sizes()[d];
        BIBUN_CHECK_T(IndexError, start >= -size && start <= size, "start out of range (expected to be in range of [",
                      -size, ", ", size, "], but got ", start, ")");
        int64_t s = start < 0 ? start + size : start;
        BIBUN_CHECK(length >= 0 && s + length <= size, "start (", s, ") + length (", length,
                    ") exceeds dimension size (", size, ").");
        return ops::slice(a, d, s, s + length, 1);
      })
      .def("relu", [](const Tensor& a) { return ops::relu(a); })
      .def("copy_", [](Tensor& a, const Tensor& src, bool) { return ops::copy_(a, src); },
           py::arg("src"), py::arg("non_blocking") = false)
      .def("t_", [](Tensor& a) { return ops::t_(a); })
      .def("__getitem__", [](const Tensor& a, py::handle index) { return index_get(a, index); })
      .def("__setitem__", [](Tensor& a, py::handle index, py::handle value) { index_put(a, index, value); })
      .def("_assign_out", [](Tensor& out, const Tensor& result, py::args inputs) {
        // The op's tensor inputs, when given, are checked for partial overlap with `out`.
        if (inputs.size() == 0) return ops::assign_out(out, result);
        for (py::handle h : inputs)
          if (is_tensor(h)) ops::check_no_partial_overlap(out, as_tensor(h));
        return ops::assign_out(out, result);
      });
}

}  // namespace bibun::python
