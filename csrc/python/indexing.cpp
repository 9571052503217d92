// Basic indexing: t[...] with ints, slices, None and Ellipsis, as a chain of views (select,
// slice, unsqueeze), and t[...] = value as a write through that view.
#include "autograd/variable.h"
#include "python/common.h"

namespace bibun::python {

namespace {

bool is_int_index(py::handle h) {
  return (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) ||
         (!is_tensor(h) && !PyBool_Check(h.ptr()) && PyIndex_Check(h.ptr()) && !PySequence_Check(h.ptr()));
}

std::optional<int64_t> slice_bound(PyObject* v) {
  if (v == Py_None) return std::nullopt;
  return py::reinterpret_borrow<py::object>(v).attr("__index__")().cast<int64_t>();
}

[[noreturn]] void unsupported(py::handle item) {
  throw py::type_error(std::string("bibun does not support advanced indexing with ") + Py_TYPE(item.ptr())->tp_name +
                       " yet (only integers, slices, None and Ellipsis)");
}

}  // namespace

Tensor index_get(const Tensor& self, py::handle index) {
  py::tuple items = PyTuple_Check(index.ptr()) ? py::reinterpret_borrow<py::tuple>(index) : py::make_tuple(index);
  // Dims consumed by the index (ints and slices); None and Ellipsis consume none.
  int64_t specified = 0;
  for (py::handle item : items)
    if (item.ptr() != Py_Ellipsis && !item.is_none()) ++specified;
  if (specified > self.dim()) {
    throw py::index_error("too many indices for tensor of dimension " + std::to_string(self.dim()));
  }
  Tensor result = self;
  int64_t dim = 0;       // dim of `result` the next item applies to
  int64_t self_dim = 0;  // the same position in `self`, for error messages
  bool viewed = false, sliced = false, expanded_ellipsis = false;
  for (py::handle item : items) {
    if (is_int_index(item)) {
      int64_t i = py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>();
      int64_t size = result.sizes()[dim];
      if (i < -size || i >= size) {
        throw py::index_error("index " + std::to_string(i) + " is out of bounds for dimension " +
                              std::to_string(self_dim) + " with size " + std::to_string(size));
      }
      result = ops::select(result, dim, i);
      viewed = true;
      ++self_dim;
    } else if (PySlice_Check(item.ptr())) {
      auto* s = reinterpret_cast<PySliceObject*>(item.ptr());
      std::optional<int64_t> start = slice_bound(s->start), stop = slice_bound(s->stop), step = slice_bound(s->step);
      int64_t st = step.value_or(1);
      if (st == 0) throw py::value_error("slice step cannot be zero");
      int64_t size = result.sizes()[dim];
      // A slice that keeps everything records no node, as in PyTorch.
      bool full = st == 1 && (!start || *start == 0 || *start <= -size) && (!stop || *stop >= size);
      if (!full) {
        result = ops::slice(result, dim, start, stop, st);
        viewed = true;
      }
      sliced = !PyTuple_Check(index.ptr());
      ++dim;
      ++self_dim;
    } else if (item.is_none()) {
      result = ops::unsqueeze(result, dim);
      viewed = true;
      ++dim;
    } else if (item.ptr() == Py_Ellipsis) {
      if (!expanded_ellipsis) {
        dim += self.dim() - specified;
        self_dim += self.dim() - specified;
      }
      expanded_ellipsis = true;
    } else if (PyFloat_Check(item.ptr()) || PyBool_Check(item.ptr())) {
      throw py::index_error(std::string("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                                        "Variables are valid indices (got ") + Py_TYPE(item.ptr())->tp_name + ")");
    } else {
      unsupported(item);
    }
  }
  if (viewed) return result;
  // x[:] is a full slice (SliceBackward0) in PyTorch; x[...] and x[:, :] are aliases.
  return sliced && self.dim() > 0 ? ops::slice(self, 0, std::nullopt, std::nullopt, 1) : ops::alias(self);
}

void index_put(Tensor& self, py::handle index, py::handle value) {
  // x[...] = v writes x itself (CopyBackwards on x, not CopySlices).
  bool whole = index.ptr() == Py_Ellipsis;
  if (PyTuple_Check(index.ptr())) {
    whole = true;
    for (py::handle item : index)
      if (item.ptr() != Py_Ellipsis) whole = false;
  }
  Tensor window = whole ? self : index_get(self, index);
  Tensor src;
  if (is_tensor(value)) {
    src = as_tensor(value);
    if (src.dim() > 0 && src.sizes() != window.sizes()) {
      // As PyTorch's copy_to: drop leading size-1 dims of the value, then expand it.
      DimVector sizes = src.sizes();
      while (!sizes.empty() && sizes[0] == 1 && sizes.size() > window.sizes().size()) sizes.erase(0);
      src = ops::expand(ops::view(src, sizes), window.sizes());
    }
  } else if (auto s = as_scalar(value)) {
    src = ops::scalar_tensor(*s, window.dtype());
  } else {
    throw py::type_error(std::string("can't assign a ") + Py_TYPE(value.ptr())->tp_name + " to a bibun.Tensor");
  }
  ops::copy_(window, src);
}

}  // namespace bibun::python
