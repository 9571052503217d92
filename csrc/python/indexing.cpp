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
  bool has_ellipsis = false;
  for (py::handle item : items) {
    if (item.ptr() == Py_Ellipsis) {
      if (has_ellipsis) throw py::index_error("an index can only have a single ellipsis ('...')");
      has_ellipsis = true;
    } else if (!item.is_none()) {
      ++specified;
    }
  }
  if (specified > self.dim()) {
    throw py::index_error("too many indices for tensor of dimension " + std::to_string(self.dim()));
  }
  Tensor result = self;
  int64_t dim = 0;
  bool viewed = false;
  for (py::handle item : items) {
    if (is_int_index(item)) {
      result = ops::select(result, dim, py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>());
      viewed = true;
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
      ++dim;
    } else if (item.is_none()) {
      result = ops::unsqueeze(result, dim);
      viewed = true;
      ++dim;
    } else if (item.ptr() == Py_Ellipsis) {
      dim += self.dim() - specified;
    } else {
      unsupported(item);
    }
  }
  return viewed ? result : ops::alias(result);
}

void index_put(Tensor& self, py::handle index, py::handle value) {
  Tensor window = index_get(self, index);
  if (is_tensor(value)) {
    ops::copy_(window, as_tensor(value));
  } else if (auto s = as_scalar(value)) {
    ops::fill_(window, *s);
  } else {
    throw py::type_error(std::string("can't assign a ") + Py_TYPE(value.ptr())->tp_name + " to a bibun.Tensor");
  }
}

}  // namespace bibun::python
