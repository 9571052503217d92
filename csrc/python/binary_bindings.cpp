// Bindings of the binary elementwise ops, comparisons, logical and bitwise ops (ops/binary.h):
// Tensor methods, their in-place twins and the operators // % & | ^ ~. Module functions with
// out= are Python (python/bibun/_binary.py).
#include "kernels/binary_kernels.h"
#include "kernels/kernels.h"
#include "ops/binary.h"
#include "python/common.h"

namespace bibun::python {

namespace {

using kernels::BinaryMathOp;
using kernels::BinaryOp;
using kernels::PredicateOp;
using Class = py::class_<TensorImpl, Tensor>;

// A Tensor argument where PyTorch accepts no number: TypeError in PyTorch's words otherwise.
Tensor tensor_arg(py::handle h, const char* fn, const char* arg, int position) {
  if (is_tensor(h)) return as_tensor(h);
  throw py::type_error(std::string(fn) + "(): argument '" + arg + "' (position " + std::to_string(position) +
                       ") must be Tensor, not " + Py_TYPE(h.ptr())->tp_name);
}

Scalar number_arg(py::handle h, const char* fn, const char* arg) {
  if (!is_tensor(h))
    if (auto s = as_scalar(h)) return *s;
  throw py::type_error(std::string(fn) + "(): argument '" + arg + "' must be Number, not " + Py_TYPE(h.ptr())->tp_name);
}

// div's keyword arguments: only rounding_mode, whose absence differs from None (the node name).
ops::RoundingMode parse_rounding_mode(const char* fn, const py::kwargs& kwargs) {
  if (kwargs.empty()) return ops::RoundingMode::Default;
  for (auto item : kwargs) {
    std::string key = py::str(item.first);
    if (key != "rounding_mode") throw py::type_error(std::string(fn) + "() got an unexpected keyword argument '" + key + "'");
  }
  py::handle h = kwargs["rounding_mode"];
  if (h.is_none()) return ops::RoundingMode::None;
  std::string mode = py::str(h);
  if (mode == "trunc") return ops::RoundingMode::Trunc;
  if (mode == "floor") return ops::RoundingMode::Floor;
  throw Error("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '" + mode + "'");
}

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// other: a Tensor or a Python number (wrapped); anything else gives NotImplemented.
template <typename F>
py::object operator_call(py::handle other, F&& f) {
  if (is_tensor(other)) return py::cast(f(as_tensor(other)));
  if (auto s = as_scalar(other)) return py::cast(f(ops::wrapped_scalar(*s)));
  return not_implemented();
}

// name(other) and name_(other) for an op taking a tensor or a number.
template <typename Out, typename In>
void def_pair(Class& cls, const char* name, Out out, In in) {
  std::string n(name);
  cls.def(name, [out, n](const Tensor& a, py::handle b) { return out(a, tensor_or_scalar(b, n.c_str(), "other")); },
          py::arg("other"));
  cls.def((n + "_").c_str(), [in, n](Tensor& a, py::handle b) {
    return Tensor(in(a, tensor_or_scalar(b, (n + "_").c_str(), "other")));
  }, py::arg("other"));
}

// name(other) (and name_) for an op whose other operand must be a Tensor.
template <typename Out>
void def_tensor_only(Class& cls, const char* name, Out out) {
  std::string n(name);
  cls.def(name, [out, n](const Tensor& a, py::handle b) { return out(a, tensor_arg(b, n.c_str(), "other", 1)); },
          py::arg("other"));
}

template <typename In>
void def_tensor_only_(Class& cls, const char* name, In in) {
  std::string n(name);
  cls.def(name, [in, n](Tensor& a, py::handle b) { return Tensor(in(a, tensor_arg(b, n.c_str(), "other", 1))); },
          py::arg("other"));
}

}  // namespace

void init_binary(py::module_& m) {
  auto cls = py::reinterpret_borrow<Class>(m.attr("Tensor"));

  // Division with rounding_mode (true division is ops::div / DivBackward0).
  auto div = [](const Tensor& a, py::handle b, const py::kwargs& kwargs) {
    return ops::div(a, tensor_or_scalar(b, "div", "other"), parse_rounding_mode("div", kwargs));
  };
  auto div_ = [](Tensor& a, py::handle b, const py::kwargs& kwargs) {
    return Tensor(ops::div_(a, tensor_or_scalar(b, "div_", "other"), parse_rounding_mode("div_", kwargs)));
  };
  // PyTorch's div.Scalar (DivBackward1), for functions that divide by a number in C++.
  m.def("_div_scalar", [](const Tensor& a, py::handle b) { return ops::div_scalar(a, number_arg(b, "div", "other")); });
  for (const char* name : {"div", "divide"}) {
    cls.def(name, div, py::arg("other"));
    cls.def((std::string(name) + "_").c_str(), div_, py::arg("other"));
  }
  def_pair(cls, "true_divide", [](const Tensor& a, const Tensor& b) { return ops::div(a, b); },
           [](Tensor& a, const Tensor& b) -> Tensor& { return ops::div_(a, b); });
  def_pair(cls, "floor_divide", &ops::floor_divide, &ops::floor_divide_);
  def_pair(cls, "remainder", &ops::remainder, &ops::remainder_);
  def_pair(cls, "fmod", &ops::fmod, &ops::fmod_);
  def_pair(cls, "xlogy", &ops::xlogy, &ops::xlogy_);
  cls.def("pow_", [](Tensor& a, py::handle e) { return Tensor(ops::pow_(a, tensor_or_scalar(e, "pow_", "exponent"))); },
          py::arg("exponent"));
  cls.def("__ipow__", [](Tensor& a, py::handle e) { return Tensor(ops::pow_(a, tensor_or_scalar(e, "pow_", "exponent"))); });

  for (const char* name : {"atan2", "arctan2"}) {
    def_tensor_only(cls, name, &ops::atan2);
    def_tensor_only_(cls, (std::string(name) + "_").c_str(), &ops::atan2_);
  }
  def_tensor_only(cls, "hypot", &ops::hypot);
  def_tensor_only_(cls, "hypot_", &ops::hypot_);
  def_tensor_only(cls, "maximum", &ops::maximum);
  def_tensor_only(cls, "minimum", &ops::minimum);
  def_tensor_only(cls, "fmax", &ops::fmax);
  def_tensor_only(cls, "fmin", &ops::fmin);

  cls.def("lerp", [](const Tensor& a, py::handle end, py::handle weight) {
    Tensor e = tensor_arg(end, "lerp", "end", 1);
    if (is_tensor(weight)) return ops::lerp(a, e, as_tensor(weight));
    return ops::lerp(a, e, number_arg(weight, "lerp", "weight"));
  }, py::arg("end"), py::arg("weight"));
  cls.def("lerp_", [](Tensor& a, py::handle end, py::handle weight) {
    Tensor e = tensor_arg(end, "lerp_", "end", 1);
    if (is_tensor(weight)) return Tensor(ops::lerp_(a, e, as_tensor(weight)));
    return Tensor(ops::lerp_(a, e, number_arg(weight, "lerp_", "weight")));
  }, py::arg("end"), py::arg("weight"));

  struct Addc {
    const char* name;
    Tensor (*out)(const Tensor&, const Tensor&, const Tensor&, Scalar);
    Tensor& (*in)(Tensor&, const Tensor&, const Tensor&, Scalar);
  };
  for (const Addc& e : {Addc{"addcmul", &ops::addcmul, &ops::addcmul_}, Addc{"addcdiv", &ops::addcdiv, &ops::addcdiv_}}) {
    std::string n(e.name);
    cls.def(e.name, [e, n](const Tensor& a, py::handle t1, py::handle t2, py::handle value) {
      return e.out(a, tensor_arg(t1, e.name, "tensor1", 1), tensor_arg(t2, e.name, "tensor2", 2),
                   number_arg(value, e.name, "value"));
    }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
    cls.def((n + "_").c_str(), [e, n](Tensor& a, py::handle t1, py::handle t2, py::handle value) {
      return Tensor(e.in(a, tensor_arg(t1, e.name, "tensor1", 1), tensor_arg(t2, e.name, "tensor2", 2),
                         number_arg(value, e.name, "value")));
    }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
  }

  // Comparisons: in-place twins and PyTorch's aliases (eq ... ge themselves are in tensor_bindings.cpp).
  struct Cmp {
    const char* name;
    BinaryOp op;
  };
  for (const Cmp& c : {Cmp{"eq", BinaryOp::Eq}, Cmp{"ne", BinaryOp::Ne}, Cmp{"lt", BinaryOp::Lt},
                       Cmp{"le", BinaryOp::Le}, Cmp{"gt", BinaryOp::Gt}, Cmp{"ge", BinaryOp::Ge},
                       Cmp{"not_equal", BinaryOp::Ne}, Cmp{"less", BinaryOp::Lt}, Cmp{"less_equal", BinaryOp::Le},
                       Cmp{"greater", BinaryOp::Gt}, Cmp{"greater_equal", BinaryOp::Ge}}) {
    std::string n(c.name);
    int op = static_cast<int>(c.op);
    if (n.size() > 2)
      cls.def(c.name, [op, n](const Tensor& a, py::handle b) {
        return ops::compare(op, a, tensor_or_scalar(b, n.c_str(), "other"));
      }, py::arg("other"));
    cls.def((n + "_").c_str(), [op, n](Tensor& a, py::handle b) {
      return Tensor(ops::compare_(op, a, tensor_or_scalar(b, (n + "_").c_str(), "other")));
    }, py::arg("other"));
  }
  cls.def("isclose", [](const Tensor& a, py::handle b, double rtol, double atol, bool equal_nan) {
    return ops::isclose(a, tensor_arg(b, "isclose", "other", 1), rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  cls.def("allclose", [](const Tensor& a, py::handle b, double rtol, double atol, bool equal_nan) {
    return ops::allclose(a, tensor_arg(b, "allclose", "other", 1), rtol, atol, equal_nan);
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);

  // Logical and bitwise ops.
  struct Logic {
    const char* name;
    BinaryMathOp op;
    bool logical;
  };
  for (const Logic& l : {Logic{"logical_and", BinaryMathOp::LogicalAnd, true},
                         Logic{"logical_or", BinaryMathOp::LogicalOr, true},
                         Logic{"logical_xor", BinaryMathOp::LogicalXor, true},
                         Logic{"bitwise_and", BinaryMathOp::BitwiseAnd, false},
                         Logic{"bitwise_or", BinaryMathOp::BitwiseOr, false},
                         Logic{"bitwise_xor", BinaryMathOp::BitwiseXor, false}}) {
    std::string n(l.name), n_ = n + "_";
    int op = static_cast<int>(l.op);
    if (l.logical) {
      cls.def(l.name, [op, n](const Tensor& a, py::handle b) {
        return ops::logical(op, a, tensor_arg(b, n.c_str(), "other", 1));
      }, py::arg("other"));
      cls.def(n_.c_str(), [op, n_](Tensor& a, py::handle b) {
        return Tensor(ops::logical_(op, a, tensor_arg(b, n_.c_str(), "other", 1)));
      }, py::arg("other"));
    } else {
      cls.def(l.name, [op, n](const Tensor& a, py::handle b) {
        return ops::bitwise(op, a, tensor_or_scalar(b, n.c_str(), "other"));
      }, py::arg("other"));
      cls.def(n_.c_str(), [op, n_](Tensor& a, py::handle b) {
        return Tensor(ops::bitwise_(op, a, tensor_or_scalar(b, n_.c_str(), "other")));
      }, py::arg("other"));
    }
  }
  cls.def("logical_not", [](const Tensor& a) { return ops::logical_not(a); })
      .def("logical_not_", [](Tensor& a) { return Tensor(ops::logical_not_(a)); })
      .def("bitwise_not", [](const Tensor& a) { return ops::bitwise_not(a); })
      .def("bitwise_not_", [](Tensor& a) { return Tensor(ops::bitwise_not_(a)); });

  struct Pred {
    const char* name;
    PredicateOp op;
  };
  for (const Pred& p : {Pred{"isnan", PredicateOp::IsNan}, Pred{"isinf", PredicateOp::IsInf},
                        Pred{"isposinf", PredicateOp::IsPosInf}, Pred{"isneginf", PredicateOp::IsNegInf},
                        Pred{"isfinite", PredicateOp::IsFinite}}) {
    int op = static_cast<int>(p.op);
    cls.def(p.name, [op](const Tensor& a) { return ops::predicate(op, a); });
  }

  // Operators: a Tensor or Python number on the other side, NotImplemented otherwise.
  cls.def("__floordiv__", [](const Tensor& a, py::handle b) {
        return operator_call(b, [&](const Tensor& t) { return ops::floor_divide(a, t); });
      })
      .def("__rfloordiv__", [](const Tensor& a, py::handle b) {
        return operator_call(b, [&](const Tensor& t) { return ops::floor_divide(t, a); });
      })
      .def("__ifloordiv__", [](Tensor& a, py::handle b) {
        return Tensor(ops::floor_divide_(a, tensor_or_scalar(b, "floor_divide_", "other")));
      })
      .def("__mod__", [](const Tensor& a, py::handle b) {
        return operator_call(b, [&](const Tensor& t) { return ops::remainder(a, t); });
      })
      .def("__rmod__", [](const Tensor& a, py::handle b) {
        return operator_call(b, [&](const Tensor& t) { return ops::remainder(t, a); });
      })
      .def("__imod__", [](Tensor& a, py::handle b) {
        return Tensor(ops::remainder_(a, tensor_or_scalar(b, "remainder_", "other")));
      })
      .def("__invert__", [](const Tensor& a) {
        if (is_floating(a.dtype()))
          throw py::type_error("~ (operator.invert) is only implemented on integer and Boolean-type tensors");
        return ops::bitwise_not(a);
      });
  struct Bit {
    const char* name;
    BinaryMathOp op;
  };
  for (const Bit& b : {Bit{"and", BinaryMathOp::BitwiseAnd}, Bit{"or", BinaryMathOp::BitwiseOr},
                       Bit{"xor", BinaryMathOp::BitwiseXor}}) {
    int op = static_cast<int>(b.op);
    std::string n(b.name), in_name = "bitwise_" + n + "_";
    cls.def(("__" + n + "__").c_str(), [op](const Tensor& a, py::handle o) {
      return operator_call(o, [&](const Tensor& t) { return ops::bitwise(op, a, t); });
    });
    cls.def(("__r" + n + "__").c_str(), [op](const Tensor& a, py::handle o) {
      return operator_call(o, [&](const Tensor& t) { return ops::bitwise(op, t, a); });
    });
    cls.def(("__i" + n + "__").c_str(), [op, in_name](Tensor& a, py::handle o) {
      return Tensor(ops::bitwise_(op, a, tensor_or_scalar(o, in_name.c_str(), "other")));
    });
  }
}

}  // namespace bibun::python
