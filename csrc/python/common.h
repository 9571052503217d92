// Shared by the binding files: Tensor as the pybind11 holder of TensorImpl, dtype objects,
// and the fast argument conversions used on hot paths.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "autograd/node.h"
#include "ops/ops.h"
#include "tensor/tensor.h"

namespace bibun::python {
// Fast paths of the Tensor caster (tensor_caster.cpp, Note [Tensor caster fast paths]).
PyObject* wrap_unshared_tensor(const Tensor& t);
TensorImpl* exact_tensor_impl(PyObject* obj);
}  // namespace bibun::python

// Tensor is TensorImpl's holder: a Python tensor object owns one reference to its impl,
// and returning a Tensor whose impl already has a Python object returns that object.
namespace pybind11::detail {
template <>
struct always_construct_holder<bibun::Tensor> : always_construct_holder_value<true> {};
template <>
class type_caster<bibun::Tensor> : public type_caster_holder<bibun::TensorImpl, bibun::Tensor> {
  using base = type_caster_holder<bibun::TensorImpl, bibun::Tensor>;

 public:
  bool load(handle src, bool convert) {
    if (bibun::TensorImpl* impl = bibun::python::exact_tensor_impl(src.ptr())) {
      value = impl;
      holder = bibun::Tensor(impl);
      return true;
    }
    return base::load(src, convert);
  }
  static handle cast(const bibun::Tensor& src, return_value_policy policy, handle parent) {
    // One reference, the caller's: no Python object can hold this impl yet.
    if (src.defined() && src->use_count() == 1) return bibun::python::wrap_unshared_tensor(src);
    return base::cast(src, policy, parent);
  }
};
}  // namespace pybind11::detail

namespace bibun::python {

namespace py = pybind11;

// The Python type object of bibun.Tensor (set once by init_tensor).
extern PyTypeObject* g_tensor_type;

inline bool is_tensor(py::handle h) { return PyObject_TypeCheck(h.ptr(), g_tensor_type); }
inline Tensor as_tensor(py::handle h) {
  if (TensorImpl* impl = exact_tensor_impl(h.ptr())) return Tensor(impl);
  return h.cast<Tensor>();
}
// A Python bool/int/float as a Scalar, or nullopt.
std::optional<Scalar> as_scalar(py::handle h);
// A tensor argument: a Tensor, or a Python number as a wrapped scalar; else TypeError.
Tensor tensor_or_scalar(py::handle h, const char* op, const char* arg);

// dtype objects (bibun.float32, ...): one Python object per ScalarType.
py::object dtype_object(ScalarType t);
ScalarType parse_dtype(py::handle h);  // a bibun.dtype; TypeError otherwise
std::optional<ScalarType> parse_optional_dtype(py::handle h);

// Sizes from a sequence of ints (list, tuple, bibun.Size).
DimVector parse_sizes(py::handle seq);
std::vector<int64_t> parse_dims(py::handle dim);  // None -> {}, int -> {d}, sequence -> dims

// t[index] and t[index] = value (csrc/python/indexing.cpp).
Tensor index_get(const Tensor& self, py::handle index);
void index_put(Tensor& self, py::handle index, py::handle value);

void init_dtype(py::module_& m);
void init_tensor(py::module_& m);
void init_autograd(py::module_& m);
void init_functions(py::module_& m);
void init_unary_math(py::module_& m);
void init_hooks(py::module_& m);
void init_function(py::module_& m);
void init_saved_tensor_hooks(py::module_& m);
void init_nn(py::module_& m);
void init_optim(py::module_& m);
void init_binary(py::module_& m);
void init_reduction(py::module_& m);
void init_indexing_ops(py::module_& m);
void init_shape(py::module_& m);
void init_linalg(py::module_& m);
void init_conv(py::module_& m);

// A node as Python sees it: a custom Function's ctx object, or the bound Node.
py::object node_to_python(const std::shared_ptr<Node>& node);

}  // namespace bibun::python
