// Module-level functions of bibun._C: creation, the numpy bridge, ops that are not methods.
#include <cctype>
#include <cmath>
#include <limits>

#include "autograd/variable.h"
#include "kernels/fill_kernels.h"
#include "kernels/kernels.h"
#include "python/common.h"

namespace bibun::python {

namespace {

ScalarType dtype_or_default(py::handle dtype) {
  auto d = parse_optional_dtype(dtype);
  return d ? *d : default_dtype();
}

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) {
    BIBUN_CHECK(is_floating(t.dtype()), "Only Tensors of floating point and complex dtype can require gradients");
    set_requires_grad(t, true);
  }
  return t;
}

std::string lower(const char* s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

Scalar number(py::handle h, const char* fn, const char* arg) {
  auto s = as_scalar(h);
  if (!s) {
    throw py::type_error(std::string(fn) + "(): argument " + arg + " must be Number, not " +
                         py::str(py::type::handle_of(h).attr("__name__")).cast<std::string>());
  }
  return *s;
}

// randint's [low, high) must be representable in the output dtype (PyTorch's texts).
void check_randint_bounds(int64_t low, int64_t high, ScalarType dtype) {
  BIBUN_CHECK(low < high, "random_ expects 'from' to be less than 'to', but got from=", low, " >= to=", high);
  if (is_floating(dtype)) return;  // PyTorch only warns about precision here
  int64_t min = 0, max = 1;
  if (dtype == ScalarType::Int32) min = std::numeric_limits<int32_t>::min(), max = std::numeric_limits<int32_t>::max();
  if (dtype == ScalarType::Int64) min = std::numeric_limits<int64_t>::min(), max = std::numeric_limits<int64_t>::max();
  const std::string name = lower(c_type_name(dtype));
  BIBUN_CHECK(low >= min && low <= max, "from is out of bounds for ", name);
  BIBUN_CHECK(high - 1 >= min && high - 1 <= max, "to - 1 is out of bounds for ", name);
}

std::string format_bound(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// arange as PyTorch computes it: integer outputs truncate start/end/step to int64 first; the
// length is ceil((end - start) / step).
Tensor arange(Scalar start, Scalar end, Scalar step, std::optional<ScalarType> dtype_arg) {
  const bool any_float = start.is_floating() || end.is_floating() || step.is_floating();
  const ScalarType dtype = dtype_arg ? *dtype_arg : any_float ? default_dtype() : ScalarType::Int64;
  BIBUN_CHECK_T(NotImplementedError, dtype != ScalarType::Bool, "\"arange_cpu\" not implemented for 'Bool'");
  const double dstart = start.to_double(), dend = end.to_double(), dstep = step.to_double();
  BIBUN_CHECK(dstep != 0, "step must be nonzero");
  BIBUN_CHECK(std::isfinite(dstart) && std::isfinite(dend), "unsupported range: ", format_bound(dstart), " -> ",
              format_bound(dend));
  double size_d;
  if (dtype == ScalarType::Int64) {
    const int64_t s = start.to_int(), e = end.to_int(), st = step.to_int();
    BIBUN_CHECK_T(ValueError, st != 0, "step must be nonzero");
    BIBUN_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "upper bound and lower bound inconsistent with step sign");
    const int64_t sign = st > 0 ? 1 : -1;
    size_d = static_cast<double>((e - s + st - sign) / st);  // integer division, as PyTorch
  } else {
    BIBUN_CHECK((dstep > 0 && dend >= dstart) || (dstep < 0 && dend <= dstart),
                "upper bound and lower bound inconsistent with step sign");
    size_d = std::ceil((dend - dstart) / dstep);
  }
  BIBUN_CHECK(size_d >= 0 && size_d <= static_cast<double>(std::numeric_limits<int64_t>::max()),
              "invalid size, possible overflow?");
  Tensor out = ops::empty({static_cast<int64_t>(size_d)}, dtype);
  if (is_floating(dtype)) kernels::arange(out, dstart, dstep);
  else kernels::arange(out, start.to_int(), step.to_int());
  return out;
}

std::optional<ScalarType> scalar_type_of_numpy(const py::dtype& dt) {
  char kind = dt.kind();
  size_t size = dt.itemsize();
  if (kind == 'b') return ScalarType::Bool;
  if (kind == 'f' && size == 4) return ScalarType::Float32;
  if (kind == 'f' && size == 8) return ScalarType::Float64;
  if (kind == 'i' && size == 8) return ScalarType::Int64;
  if (kind == 'i' && size == 4) return ScalarType::Int32;
  return std::nullopt;
}

std::string numpy_type_name(const py::dtype& dt) {
  return "numpy." + py::str(dt.attr("type").attr("__name__")).cast<std::string>();
}

// Note [from_numpy borrows]
// The tensor wraps the array's memory: its Storage holds a reference to the array and drops it
// when the last tensor or view over that storage dies. The engine may free tensors with the GIL
// released (backward runs without it), so the release takes the GIL; after interpreter
// shutdown there is nothing left to release. Each call makes a fresh TensorImpl, so two
// from_numpy calls on one array get separate version counters, as in PyTorch.
Tensor from_numpy(py::handle obj) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error("expected np.ndarray (got " +
                         py::str(py::type::handle_of(obj).attr("__name__")).cast<std::string>() + ")");
  auto arr = py::reinterpret_borrow<py::array>(obj);
  static bool warned_not_writeable = false;
  if (!arr.writeable() && !warned_not_writeable) {
    warned_not_writeable = true;
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The given NumPy array is not writable, and PyTorch does not support non-writable tensors. This "
                     "means writing to this tensor will result in undefined behavior. You may want to copy the array to "
                     "protect its data or make it writable before converting it to a tensor. This type of warning will "
                     "be suppressed for the rest of this program.",
                     1) < 0)
      throw py::error_already_set();
  }
  const auto item = static_cast<int64_t>(arr.itemsize());
  DimVector sizes(arr.shape(), arr.shape() + arr.ndim());
  DimVector strides(arr.strides(), arr.strides() + arr.ndim());
  for (int64_t& st : strides) {
    if (item == 0) break;  // a zero-size dtype (e.g. 'V0') is refused by the dtype check below
    BIBUN_CHECK_T(ValueError, st % item == 0,
                  "given numpy array strides not a multiple of the element byte size. Copy the numpy array to "
                  "reallocate the memory.");
    st /= item;
  }
  for (int64_t st : strides)
    BIBUN_CHECK_T(ValueError, st >= 0,
                  "At least one stride in the given numpy array is negative, and tensors with negative strides are "
                  "not currently supported. (You can probably work around this by making a copy of your array  with "
                  "array.copy().) ");
  BIBUN_CHECK_T(ValueError, arr.dtype().attr("isnative").cast<bool>(),
                "given numpy array has byte order different from the native byte order. Conversion between byte "
                "orders is currently not supported.");
  auto dtype = scalar_type_of_numpy(arr.dtype());
  if (!dtype)
    throw py::type_error("can't convert np.ndarray of type " + numpy_type_name(arr.dtype()) +
                         ". The only supported types are: float64, float32, int64, int32, and bool.");
  size_t nbytes = 0;
  if (numel_of(sizes) > 0) {
    int64_t last = 0;
    for (size_t d = 0; d < sizes.size(); ++d) last += (sizes[d] - 1) * strides[d];
    nbytes = static_cast<size_t>((last + 1) * item);
  }
  void* data = const_cast<void*>(arr.data());
  PyObject* owner = arr.release().ptr();  // the storage's reference, dropped by the release below
  auto storage = Storage::borrow(data, nbytes, [owner] {
    if (!Py_IsInitialized()) return;
    py::gil_scoped_acquire gil;
    Py_DECREF(owner);
  });
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), 0, sizes, strides, *dtype));
}

}  // namespace

void init_functions(py::module_& m) {
  m.def("empty", [](py::handle sizes, py::handle dtype, bool rg) {
    return finish(ops::empty(parse_sizes(sizes), dtype_or_default(dtype)), rg);
  });
  m.def("zeros", [](py::handle sizes, py::handle dtype, bool rg) {
    return finish(ops::zeros(parse_sizes(sizes), dtype_or_default(dtype)), rg);
  });
  m.def("ones", [](py::handle sizes, py::handle dtype, bool rg) {
    return finish(ops::ones(parse_sizes(sizes), dtype_or_default(dtype)), rg);
  });
  m.def("full", [](py::handle sizes, py::handle value, py::handle dtype, bool rg) {
    Scalar s = number(value, "full", "'fill_value' (position 2)");
    ScalarType dt = dtype.is_none() ? s.wrapped_dtype() : parse_dtype(dtype);
    return finish(ops::full(parse_sizes(sizes), s, dt), rg);
  });
  m.def("eye", [](int64_t n, py::object m_, py::handle dtype, bool rg) {
    int64_t cols = m_.is_none() ? n : m_.cast<int64_t>();
    return finish(ops::eye(n, cols, dtype_or_default(dtype)), rg);
  });
  m.def("randn", [](py::handle sizes, py::handle dtype, bool rg) {
    return finish(ops::randn(parse_sizes(sizes), dtype_or_default(dtype)), rg);
  });
  m.def("rand", [](py::handle sizes, py::handle dtype, bool rg) {
    Tensor t = ops::empty(parse_sizes(sizes), dtype_or_default(dtype));
    kernels::rand(t);
    return finish(t, rg);
  });
  m.def("randint", [](int64_t low, int64_t high, py::handle sizes, py::handle dtype, bool rg) {
    auto dt = parse_optional_dtype(dtype);
    Tensor t = ops::empty(parse_sizes(sizes), dt ? *dt : ScalarType::Int64);
    check_randint_bounds(low, high, t.dtype());
    kernels::randint(t, low, high);
    return finish(t, rg);
  });
  m.def("arange", [](py::handle start, py::handle end, py::handle step, py::handle dtype, bool rg) {
    Scalar s = number(start, "arange", "'start'"), e = number(end, "arange", "'end'");
    return finish(arange(s, e, number(step, "arange", "'step'"), parse_optional_dtype(dtype)), rg);
  });
  m.def("linspace", [](py::handle start, py::handle end, int64_t steps, py::handle dtype, bool rg) {
    BIBUN_CHECK(steps >= 0, "number of steps must be non-negative");
    ScalarType dt = dtype_or_default(dtype);
    BIBUN_CHECK_T(NotImplementedError, dt != ScalarType::Bool, "\"linspace_cpu\" not implemented for 'Bool'");
    Tensor t = ops::empty({steps}, dt);
    const double s = number(start, "linspace", "'start'").to_double();
    kernels::linspace(t, s, number(end, "linspace", "'end'").to_double());
    return finish(t, rg);
  });
  m.def("from_numpy", &from_numpy, py::arg("ndarray"),
        "from_numpy(ndarray) -> Tensor\n\nA tensor sharing the array's memory (and keeping the array alive): writes "
        "through either side show on the other. Supports float64, float32, int64, int32 and bool arrays.");
  m.def("manual_seed", [](int64_t seed) { kernels::manual_seed(static_cast<uint64_t>(seed)); });
  m.def("initial_seed", [] { return kernels::initial_seed(); });
  m.def("set_num_threads", &kernels::set_num_threads);
  m.def("get_num_threads", &kernels::get_num_threads);

  // A copy of a numpy array's data as a tensor of `dtype` (the array's own dtype if None).
  m.def("_tensor_from_array", [](py::array arr, py::handle dtype, bool rg) {
    auto own = scalar_type_of_numpy(arr.dtype());
    if (!own) {
      throw py::type_error("can't convert np.ndarray of type " + std::string(py::str(arr.dtype())) +
                           ". The only supported types are: float64, float32, int64, int32, and bool.");
    }
    if (!arr.dtype().attr("isnative").cast<bool>()) {
      arr = py::array::ensure(arr.attr("astype")(arr.dtype().attr("newbyteorder")("=")));
    }
    DimVector sizes(arr.shape(), arr.shape() + arr.ndim());
    DimVector strides(arr.strides(), arr.strides() + arr.ndim());
    Tensor t = ops::from_blob_copy(arr.data(), sizes, strides, *own);
    auto target = parse_optional_dtype(dtype);
    if (target && *target != *own) {
      Tensor cast = ops::empty(t.sizes(), *target);
      kernels::copy(cast, t);
      t = cast;
    }
    return finish(t, rg);
  });

  // Note [Legacy Tensor constructor]
  // bibun.Tensor(...) is PyTorch's legacy constructor. Python parses its forms
  // (bibun._creation._legacy_new) and the new object holds an alias of the result, so that each
  // TensorImpl keeps exactly one Python object. Tensors returned by ops never run __init__.
  auto tensor_cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  tensor_cls.def(py::init([](const py::args& args, const py::kwargs& kwargs) {
    py::object made = py::module_::import("bibun._creation").attr("_legacy_new")(*args, **kwargs);
    Tensor src = as_tensor(made);
    auto alias = make_intrusive<TensorImpl>(src->storage(), src->offset(), src.sizes(), src.strides(), src.dtype());
    if (args.size() == 1 && made.is(args[0])) alias->set_version_counter(src->version_counter());  // Tensor(other)
    return Tensor(std::move(alias));
  }));

  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, py::object weight,
                                                 py::object pos_weight, int reduction) {
    Tensor w = weight.is_none() ? Tensor() : as_tensor(weight);
    Tensor pw = pos_weight.is_none() ? Tensor() : as_tensor(pos_weight);
    return ops::binary_cross_entropy_with_logits(input, target, w, pw, static_cast<ops::Reduction>(reduction));
  });
  m.def("_cat", [](py::handle tensors, int64_t dim) {
    std::vector<Tensor> ts;
    for (py::handle h : tensors) {
      if (!is_tensor(h)) throw py::type_error(std::string("expected Tensor as element in argument 0, but got ") +
                                              Py_TYPE(h.ptr())->tp_name);
      ts.push_back(as_tensor(h));
    }
    return ops::cat(ts, dim);
  });
  m.def("_stack", [](py::handle tensors, int64_t dim) {
    std::vector<Tensor> ts;
    for (py::handle h : tensors) {
      if (!is_tensor(h)) throw py::type_error(std::string("expected Tensor as element in argument 0, but got ") +
                                              Py_TYPE(h.ptr())->tp_name);
      ts.push_back(as_tensor(h));
    }
    return ops::stack(ts, dim);
  });
  m.def("_log_sigmoid", [](const Tensor& a) { return ops::log_sigmoid(a); });
  m.def("_wrapped_scalar", [](py::handle v) { return tensor_or_scalar(v, "scalar", "value"); });
  m.def("_result_type", [](py::handle a, py::handle b) {
    return dtype_object(ops::result_type(tensor_or_scalar(a, "result_type", "tensor"),
                                         tensor_or_scalar(b, "result_type", "other")));
  });
  m.def("_pow_scalar_base", [](py::handle base, const Tensor& e) {
    auto s = as_scalar(base);
    if (!s) throw py::type_error("pow(): base must be a number or Tensor");
    return ops::pow(*s, e);
  });
}

}  // namespace bibun::python
