// Module-level functions of bibun._C: creation, the numpy bridge, ops that are not methods.
#include "autograd/variable.h"
#include "kernels/kernels.h"
#include "python/common.h"

namespace bibun::python {

namespace {

ScalarType dtype_or_default(py::handle dtype) {
  auto d = parse_optional_dtype(dtype);
  return d ? *d : default_dtype();
}

Tensor finish(Tensor t, bool requires_grad) {
  if (requires_grad) set_requires_grad(t, true);
  return t;
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
    auto s = as_scalar(value);
    if (!s) throw py::type_error("full(): argument 'fill_value' must be a number");
    ScalarType dt = dtype.is_none() ? s->wrapped_dtype() : parse_dtype(dtype);
    return finish(ops::full(parse_sizes(sizes), *s, dt), rg);
  });
  m.def("eye", [](int64_t n, py::object m_, py::handle dtype, bool rg) {
    int64_t cols = m_.is_none() ? n : m_.cast<int64_t>();
    return finish(ops::eye(n, cols, dtype_or_default(dtype)), rg);
  });
  m.def("randn", [](py::handle sizes, py::handle dtype, bool rg) {
    return finish(ops::randn(parse_sizes(sizes), dtype_or_default(dtype)), rg);
  });
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

  m.def("_binary_cross_entropy_with_logits", [](const Tensor& input, const Tensor& target, py::object weight,
                                                 py::object pos_weight, int reduction) {
    Tensor w = weight.is_none() ? Tensor() : as_tensor(weight);
    Tensor pw = pos_weight.is_none() ? Tensor() : as_tensor(pos_weight);
    return ops::binary_cross_entropy_with_logits(input, target, w, pw, static_cast<ops::Reduction>(reduction));
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
