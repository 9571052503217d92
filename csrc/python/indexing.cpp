// t[index] and t[index] = value, as PyTorch's python_variable_indexing: ints, slices, None and
// Ellipsis become a chain of views (select, slice, unsqueeze); tensors, lists, numpy arrays and
// bools become advanced indices applied by ops::index / ops::index_put_ at the dims they name.
#include "autograd/variable.h"
#include "ops/indexing.h"
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

bool is_sequence_index(py::handle h) {
  return !is_tensor(h) && !PyUnicode_Check(h.ptr()) && !PyBytes_Check(h.ptr()) && PySequence_Check(h.ptr());
}

// NumPy's rule (kept by PyTorch) for a non-tuple sequence index: treated as a tuple when short and
// holding a tensor, a sequence, a slice, Ellipsis or None; otherwise it is one index tensor.
bool sequence_as_tuple(py::handle index) {
  if (PyTuple_Check(index.ptr())) return true;
  if (is_tensor(index) || !PySequence_Check(index.ptr()) || PyUnicode_Check(index.ptr())) return false;
  if (py::isinstance<py::array>(index)) return false;  // a numpy array is one index tensor
  Py_ssize_t n = PySequence_Size(index.ptr());
  if (n < 0) {
    PyErr_Clear();
    return false;
  }
  if (n >= 32) return false;
  for (Py_ssize_t i = 0; i < n; ++i) {
    py::object obj = py::reinterpret_steal<py::object>(PySequence_GetItem(index.ptr(), i));
    if (!obj) {
      PyErr_Clear();
      return false;
    }
    if (is_tensor(obj) || PySequence_Check(obj.ptr()) || PySlice_Check(obj.ptr()) || obj.ptr() == Py_Ellipsis ||
        obj.is_none())
      return true;
  }
  return false;
}

// A list / numpy array index as a tensor (an empty one is int64, as PyTorch makes it).
Tensor sequence_to_tensor(py::handle seq) {
  if (PyUnicode_Check(seq.ptr())) throw py::type_error("new(): invalid data type 'str'");
  // A flat list of Python ints (the common x[[i, j]]) is converted here, without numpy.
  if (PyList_Check(seq.ptr())) {
    const Py_ssize_t n = PyList_GET_SIZE(seq.ptr());
    bool ints = n > 0;
    for (Py_ssize_t i = 0; ints && i < n; ++i) {
      PyObject* o = PyList_GET_ITEM(seq.ptr(), i);
      ints = PyLong_Check(o) && !PyBool_Check(o);
    }
    if (ints) {
      Tensor t = ops::empty({static_cast<int64_t>(n)}, ScalarType::Int64);
      int64_t* d = t.data<int64_t>();
      for (Py_ssize_t i = 0; i < n; ++i) {
        d[i] = PyLong_AsLongLong(PyList_GET_ITEM(seq.ptr(), i));
        if (d[i] == -1 && PyErr_Occurred()) {
          PyErr_Clear();
          throw py::value_error("Overflow when unpacking long long");
        }
      }
      return t;
    }
  }
  Tensor t = as_tensor(py::module_::import("bibun").attr("tensor")(seq));
  if (t.numel() == 0 && t.dtype() != ScalarType::Bool) t = ops::empty(t.sizes(), ScalarType::Int64);
  return t;
}

[[noreturn]] void invalid_index(py::handle item) {
  throw py::index_error(std::string("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                                    "Variables are valid indices (got ") + Py_TYPE(item.ptr())->tp_name + ")");
}

// self after the basic (view) part of the index, and the advanced index tensors by result dim.
struct Sliced {
  Tensor result;
  std::vector<Tensor> indices;
  bool viewed = false;  // a view op was applied
  bool sliced = false;  // a lone slice (x[:] records SliceBackward0)
};

void record_index(std::vector<Tensor>& indices, int64_t& dim, const Tensor& t) {
  if (static_cast<int64_t>(indices.size()) <= dim) indices.resize(dim + 1);
  indices[dim] = t;
  dim += t.dtype() == ScalarType::Bool ? t.dim() : 1;
}

Tensor bool_index(bool v) {
  return v ? ops::zeros({1}, ScalarType::Int64) : ops::empty({0}, ScalarType::Int64);
}

Sliced apply_slicing(const Tensor& self, py::handle index) {
  py::tuple items;
  if (PyTuple_Check(index.ptr())) {
    items = py::reinterpret_borrow<py::tuple>(index);
  } else if (sequence_as_tuple(index)) {
    items = py::tuple(py::reinterpret_borrow<py::object>(index));
  } else {
    items = py::make_tuple(index);
  }
  // Items turned into tensors up front, so that the dims they consume are known.
  std::vector<py::object> objs;
  int64_t specified = 0;
  for (py::handle item : items) {
    py::object obj = py::reinterpret_borrow<py::object>(item);
    if (PyUnicode_Check(obj.ptr())) throw py::type_error("new(): invalid data type 'str'");
    if (!is_tensor(obj) && is_sequence_index(obj)) obj = py::cast(sequence_to_tensor(obj));
    if (is_tensor(obj)) {
      Tensor t = as_tensor(obj);
      specified += t.dtype() == ScalarType::Bool ? t.dim() : 1;
    } else if (obj.ptr() != Py_Ellipsis && !obj.is_none() && !PyBool_Check(obj.ptr())) {
      ++specified;
    }
    objs.push_back(std::move(obj));
  }
  if (specified > self.dim()) throw py::index_error("too many indices for tensor of dimension " + std::to_string(self.dim()));
  Sliced s;
  s.result = self;
  int64_t dim = 0;       // dim of `result` the next item applies to
  int64_t self_dim = 0;  // the same position in `self`, for error messages
  bool expanded_ellipsis = false;
  for (const py::object& item : objs) {
    if (is_int_index(item)) {
      int64_t i = item.attr("__index__")().cast<int64_t>();
      int64_t size = s.result.sizes()[dim];
      if (i < -size || i >= size) {
        throw py::index_error("index " + std::to_string(i) + " is out of bounds for dimension " +
                              std::to_string(self_dim) + " with size " + std::to_string(size));
      }
      s.result = ops::select(s.result, dim, i);
      s.viewed = true;
      ++self_dim;
    } else if (PySlice_Check(item.ptr())) {
      auto* sl = reinterpret_cast<PySliceObject*>(item.ptr());
      std::optional<int64_t> start = slice_bound(sl->start), stop = slice_bound(sl->stop), step = slice_bound(sl->step);
      int64_t st = step.value_or(1);
      if (st == 0) throw py::value_error("slice step cannot be zero");
      if (st < 0) throw py::value_error("step must be greater than zero");
      int64_t size = s.result.sizes()[dim];
      // A slice that keeps everything records no node, as in PyTorch.
      bool full = st == 1 && (!start || *start == 0 || *start <= -size) && (!stop || *stop >= size);
      if (!full) {
        s.result = ops::slice(s.result, dim, start, stop, st);
        s.viewed = true;
      }
      s.sliced = !PyTuple_Check(index.ptr());
      ++dim;
      ++self_dim;
    } else if (item.is_none()) {
      s.result = ops::unsqueeze(s.result, dim);
      s.viewed = true;
      ++dim;
    } else if (item.ptr() == Py_Ellipsis) {
      if (!expanded_ellipsis) {
        dim += self.dim() - specified;
        self_dim += self.dim() - specified;
      }
      expanded_ellipsis = true;
    } else if (PyBool_Check(item.ptr())) {
      s.result = ops::unsqueeze(s.result, dim);
      s.viewed = true;
      record_index(s.indices, dim, bool_index(item.ptr() == Py_True));
    } else if (is_tensor(item)) {
      Tensor t = as_tensor(item);
      if (t.dim() == 0 && t.dtype() != ScalarType::Bool && !is_floating(t.dtype())) {
        int64_t i = item.attr("item")().cast<int64_t>();
        int64_t size = s.result.sizes()[dim];
        if (i < -size || i >= size) {
          throw py::index_error("index " + std::to_string(i) + " is out of bounds for dimension " +
                                std::to_string(self_dim) + " with size " + std::to_string(size));
        }
        s.result = ops::select(s.result, dim, i);
        s.viewed = true;
        ++self_dim;
      } else if (t.dim() == 0 && t.dtype() == ScalarType::Bool) {
        s.result = ops::unsqueeze(s.result, dim);
        s.viewed = true;
        record_index(s.indices, dim, bool_index(item.attr("item")().cast<bool>()));
      } else {
        if (is_floating(t.dtype())) throw py::index_error("tensors used as indices must be long, int, byte or bool tensors");
        self_dim += t.dtype() == ScalarType::Bool ? t.dim() : 1;
        record_index(s.indices, dim, t);
      }
    } else if (PyFloat_Check(item.ptr())) {
      invalid_index(item);
    } else {
      invalid_index(item);
    }
  }
  return s;
}

}  // namespace

Tensor index_get(const Tensor& self, py::handle index) {
  Sliced s = apply_slicing(self, index);
  if (!s.indices.empty()) return ops::index(s.result, s.indices);
  if (s.viewed) return s.result;
  // x[:] is a full slice (SliceBackward0) in PyTorch; x[...] and x[:, :] are aliases.
  return s.sliced && self.dim() > 0 ? ops::slice(self, 0, std::nullopt, std::nullopt, 1) : ops::alias(self);
}

namespace {

// The value of t[index] = value: a tensor as it is, a number as a 0-d tensor of self's dtype.
Tensor value_tensor(const Tensor& self, py::handle value) {
  if (is_tensor(value)) return as_tensor(value);
  if (auto s = as_scalar(value)) return ops::scalar_tensor(*s, self.dtype());
  std::string type = legacy_type_name(self.dtype());
  throw py::type_error(std::string("can't assign a ") + Py_TYPE(value.ptr())->tp_name + " to a bibun." + type);
}

// Leading size-1 dims of a value are dropped before it is broadcast (PyTorch's slicePrefix1sDims);
// `always_view` records the view even when nothing is dropped, as PyTorch's copy_to does.
Tensor drop_leading_ones(const Tensor& src, bool always_view) {
  DimVector sizes = src.sizes();
  size_t first = 0;
  while (first < sizes.size() && sizes[first] == 1) ++first;
  if (first == 0 && !always_view) return src;
  DimVector rest;
  for (size_t i = first; i < sizes.size(); ++i) rest.push_back(sizes[i]);
  return ops::view(src, rest);
}

// PyTorch's copy_to: equal shapes copy_ (CopyBackwards), a 0-d value fills (FillBackward3),
// anything else is expanded after dropping its leading size-1 dims.
void copy_to(Tensor& dst, Tensor src) {
  if (src.sizes() == dst.sizes()) {
    ops::copy_(dst, src);
  } else if (src.dim() == 0) {
    ops::fill_tensor_(dst, src);
  } else {
    ops::copy_(dst, ops::expand(drop_leading_ones(src, true), dst.sizes()));
  }
}

}  // namespace

void index_put(Tensor& self, py::handle index, py::handle value) {
  if (index.ptr() == Py_False) return;  // selects nothing
  Tensor src = value_tensor(self, value);
  // x[...] = v writes x itself (CopyBackwards on x, not CopySlices).
  bool whole = index.ptr() == Py_Ellipsis;
  if (PyTuple_Check(index.ptr())) {
    whole = true;
    for (py::handle item : index)
      if (item.ptr() != Py_Ellipsis) whole = false;
  }
  if (whole) {
    copy_to(self, src);
    return;
  }
  Sliced s = apply_slicing(self, index);
  Tensor window = s.result;
  if (s.indices.empty()) {
    if (!s.viewed) window = s.sliced && self.dim() > 0 ? ops::slice(self, 0, std::nullopt, std::nullopt, 1) : ops::alias(self);
    copy_to(window, src);
    return;
  }
  ops::index_put_(window, s.indices, drop_leading_ones(src, false), false);
}

}  // namespace bibun::python
