// Bindings of the advanced indexing and gather/scatter/index_select/masked ops (ops/indexing.h):
// Tensor methods and their in-place twins. Module functions with out= are Python
// (python/bibun/_indexing.py).
#include "autograd/variable.h"
#include "ops/indexing.h"
#include "python/common.h"

namespace bibun::python {

namespace {

Tensor index_arg(py::handle h, const char* op, const char* name) {
  if (!is_tensor(h))
    throw py::type_error(std::string(op) + "(): argument '" + name + "' must be Tensor, not " + Py_TYPE(h.ptr())->tp_name);
  return as_tensor(h);
}

int64_t dim_arg(py::handle h, const char* op) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return h.cast<int64_t>();
  if (!is_tensor(h) && PyIndex_Check(h.ptr())) return py::reinterpret_borrow<py::object>(h).attr("__index__")().cast<int64_t>();
  throw py::type_error(std::string(op) + "(): argument 'dim' must be int, not " + Py_TYPE(h.ptr())->tp_name);
}

Scalar value_arg(py::handle h, const char* op) {
  if (auto s = as_scalar(h)) return *s;
  if (is_tensor(h)) {
    Tensor t = as_tensor(h);
    if (t.dim() == 0 && !t.requires_grad()) {
      py::object item = py::cast(t).attr("item")();
      if (auto s = as_scalar(item)) return *s;
    }
    if (t.dim() != 0)
      throw py::value_error(std::string(op) + "(): Only supports 0-dimensional value tensor, but got tensor with " +
                            std::to_string(t.dim()) + " dimension(s).");
    throw py::type_error(std::string("bibun does not support a value tensor that requires grad in ") + op + "()");
  }
  throw py::type_error(std::string(op) + "(): argument 'value' must be Number, not " + Py_TYPE(h.ptr())->tp_name);
}

std::string reduce_arg(py::handle h) {
  if (h.is_none()) return "";
  if (!PyUnicode_Check(h.ptr()))
    throw py::type_error(std::string("scatter(): argument 'reduce' must be str, not ") + Py_TYPE(h.ptr())->tp_name);
  std::string r = h.cast<std::string>();
  if (r.empty()) throw py::value_error("reduce argument must be either add or multiply.");
  return r;
}

// scatter's third argument: a Tensor (src) or a number (value); `value=` as a keyword.
struct ScatterSource {
  Tensor src;
  Scalar value;
};
ScatterSource scatter_source(py::handle src, py::handle value) {
  ScatterSource s;
  py::handle h = src.is_none() ? value : src;
  if (h.is_none()) throw py::type_error("scatter() missing 1 required positional argument: \"src\" or \"value\"");
  if (is_tensor(h)) {
    s.src = as_tensor(h);
  } else if (auto v = as_scalar(h)) {
    s.value = *v;
  } else {
    throw py::type_error(std::string("scatter(): argument 'src' must be Tensor, not ") + Py_TYPE(h.ptr())->tp_name);
  }
  return s;
}

std::vector<Tensor> indices_arg(py::handle h, const char* op) {
  if (!PyTuple_Check(h.ptr()) && !PyList_Check(h.ptr()))
    throw py::type_error(std::string(op) + "(): argument 'indices' must be tuple of Tensors, not " +
                         Py_TYPE(h.ptr())->tp_name);
  std::vector<Tensor> out;
  size_t k = 0;
  for (py::handle item : h) {
    if (!is_tensor(item))
      throw py::type_error("expected Tensor as element " + std::to_string(k) + " in argument 0, but got " +
                           Py_TYPE(item.ptr())->tp_name);
    out.push_back(as_tensor(item));
    ++k;
  }
  return out;
}

py::tuple nonzero_tuple(const Tensor& a) {
  Tensor nz = ops::nonzero(a.dim() == 0 ? ops::reshape(detach(a), {1}) : a);
  py::tuple out(nz.sizes()[1]);
  for (int64_t k = 0; k < nz.sizes()[1]; ++k) out[k] = py::cast(ops::select(nz, 1, k));
  return out;
}

}  // namespace

void init_indexing_ops(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  using py::arg;
  cls.def(
         "gather",
         [](const Tensor& a, py::handle dim, py::handle index, bool sparse_grad) {
           (void)sparse_grad;
           return ops::gather(a, dim_arg(dim, "gather"), index_arg(index, "gather", "index"));
         },
         arg("dim"), arg("index"), py::kw_only(), arg("sparse_grad") = false)
      .def(
          "scatter",
          [](const Tensor& a, py::handle dim, py::handle index, py::handle src, py::handle value, py::handle reduce) {
            ScatterSource s = scatter_source(src, value);
            return ops::scatter(a, dim_arg(dim, "scatter"), index_arg(index, "scatter", "index"), s.src, s.value,
                                reduce_arg(reduce));
          },
          arg("dim"), arg("index"), arg("src") = py::none(), py::kw_only(), arg("value") = py::none(),
          arg("reduce") = py::none())
      .def(
          "scatter_",
          [](Tensor& a, py::handle dim, py::handle index, py::handle src, py::handle value, py::handle reduce) {
            ScatterSource s = scatter_source(src, value);
            return Tensor(ops::scatter_(a, dim_arg(dim, "scatter_"), index_arg(index, "scatter_", "index"), s.src,
                                        s.value, reduce_arg(reduce)));
          },
          arg("dim"), arg("index"), arg("src") = py::none(), py::kw_only(), arg("value") = py::none(),
          arg("reduce") = py::none())
      .def(
          "scatter_add",
          [](const Tensor& a, py::handle dim, py::handle index, py::handle src) {
            return ops::scatter_add(a, dim_arg(dim, "scatter_add"), index_arg(index, "scatter_add", "index"),
                                    index_arg(src, "scatter_add", "src"));
          },
          arg("dim"), arg("index"), arg("src"))
      .def(
          "scatter_add_",
          [](Tensor& a, py::handle dim, py::handle index, py::handle src) {
            return Tensor(ops::scatter_add_(a, dim_arg(dim, "scatter_add_"), index_arg(index, "scatter_add_", "index"),
                                            index_arg(src, "scatter_add_", "src")));
          },
          arg("dim"), arg("index"), arg("src"))
      .def(
          "index_select",
          [](const Tensor& a, py::handle dim, py::handle index) {
            return ops::index_select(a, dim_arg(dim, "index_select"), index_arg(index, "index_select", "index"));
          },
          arg("dim"), arg("index"))
      .def(
          "index_add",
          [](const Tensor& a, py::handle dim, py::handle index, py::handle source, py::handle alpha) {
            return ops::index_add(a, dim_arg(dim, "index_add"), index_arg(index, "index_add", "index"),
                                  index_arg(source, "index_add", "source"), value_arg(alpha, "index_add"));
          },
          arg("dim"), arg("index"), arg("source"), py::kw_only(), arg("alpha") = 1)
      .def(
          "index_add_",
          [](Tensor& a, py::handle dim, py::handle index, py::handle source, py::handle alpha) {
            return Tensor(ops::index_add_(a, dim_arg(dim, "index_add_"), index_arg(index, "index_add_", "index"),
                                          index_arg(source, "index_add_", "source"), value_arg(alpha, "index_add_")));
          },
          arg("dim"), arg("index"), arg("source"), py::kw_only(), arg("alpha") = 1)
      .def(
          "index_fill",
          [](const Tensor& a, py::handle dim, py::handle index, py::handle value) {
            if (is_tensor(value))
              return ops::index_fill(a, dim_arg(dim, "index_fill"), index_arg(index, "index_fill", "index"),
                                     as_tensor(value));
            return ops::index_fill(a, dim_arg(dim, "index_fill"), index_arg(index, "index_fill", "index"),
                                   value_arg(value, "index_fill"));
          },
          arg("dim"), arg("index"), arg("value"))
      .def(
          "index_fill_",
          [](Tensor& a, py::handle dim, py::handle index, py::handle value) {
            if (is_tensor(value))
              return Tensor(ops::index_fill_(a, dim_arg(dim, "index_fill_"),
                                             index_arg(index, "index_fill_", "index"), as_tensor(value)));
            return Tensor(ops::index_fill_(a, dim_arg(dim, "index_fill_"), index_arg(index, "index_fill_", "index"),
                                           value_arg(value, "index_fill_")));
          },
          arg("dim"), arg("index"), arg("value"))
      .def(
          "index_copy",
          [](const Tensor& a, py::handle dim, py::handle index, py::handle source) {
            return ops::index_copy(a, dim_arg(dim, "index_copy"), index_arg(index, "index_copy", "index"),
                                   index_arg(source, "index_copy", "source"));
          },
          arg("dim"), arg("index"), arg("source"))
      .def(
          "index_copy_",
          [](Tensor& a, py::handle dim, py::handle index, py::handle source) {
            return Tensor(ops::index_copy_(a, dim_arg(dim, "index_copy_"), index_arg(index, "index_copy_", "index"),
                                           index_arg(source, "index_copy_", "source")));
          },
          arg("dim"), arg("index"), arg("source"))
      .def(
          "masked_select",
          [](const Tensor& a, py::handle mask) { return ops::masked_select(a, index_arg(mask, "masked_select", "mask")); },
          arg("mask"))
      .def(
          "masked_scatter",
          [](const Tensor& a, py::handle mask, py::handle source) {
            return ops::masked_scatter(a, index_arg(mask, "masked_scatter", "mask"),
                                       index_arg(source, "masked_scatter", "source"));
          },
          arg("mask"), arg("source"))
      .def(
          "masked_scatter_",
          [](Tensor& a, py::handle mask, py::handle source) {
            return Tensor(ops::masked_scatter_(a, index_arg(mask, "masked_scatter_", "mask"),
                                               index_arg(source, "masked_scatter_", "source")));
          },
          arg("mask"), arg("source"))
      .def(
          "masked_fill_",
          [](Tensor& a, py::handle mask, py::handle value) {
            Tensor m = index_arg(mask, "masked_fill_", "mask");
            if (is_tensor(value)) return Tensor(ops::masked_fill_(a, m, as_tensor(value)));
            return Tensor(ops::masked_fill_(a, m, value_arg(value, "masked_fill_")));
          },
          arg("mask"), arg("value"))
      .def(
          "_masked_fill_tensor",
          [](const Tensor& a, py::handle mask, py::handle value) {
            return ops::masked_fill(a, index_arg(mask, "masked_fill", "mask"), index_arg(value, "masked_fill", "value"));
          },
          arg("mask"), arg("value"))
      .def(
          "take", [](const Tensor& a, py::handle index) { return ops::take(a, index_arg(index, "take", "index")); },
          arg("index"))
      .def(
          "nonzero",
          [](const Tensor& a, bool as_tuple) -> py::object {
            if (as_tuple) return nonzero_tuple(a);
            return py::cast(ops::nonzero(a));
          },
          py::kw_only(), arg("as_tuple") = false)
      .def("argwhere", [](const Tensor& a) { return ops::nonzero(a); })
      .def(
          "index_put",
          [](const Tensor& a, py::handle indices, py::handle values, bool accumulate) {
            return ops::index_put(a, indices_arg(indices, "index_put"), index_arg(values, "index_put", "values"),
                                  accumulate);
          },
          arg("indices"), arg("values"), arg("accumulate") = false)
      .def(
          "index_put_",
          [](Tensor& a, py::handle indices, py::handle values, bool accumulate) {
            return Tensor(ops::index_put_(a, indices_arg(indices, "index_put_"),
                                          index_arg(values, "index_put_", "values"), accumulate));
          },
          arg("indices"), arg("values"), arg("accumulate") = false);
}

}  // namespace bibun::python
