// Bindings of the shape ops: flip/roll/tril/triu/diag/repeat/split/sort/topk/... (ops/shape.h).
// Ops returning PyTorch's named tuples are private `_C._sort`, ... wrapped in python/bibun/_shape.py.
#include "ops/shape.h"
#include "python/common.h"

namespace bibun::python {

namespace {

// Ints given as varargs, as one sequence, or as the keyword `name`: x.flip(0, 1), x.flip((0, 1)),
// x.flip(dims=[0]).
std::vector<int64_t> ints_from_args(const py::args& args, const py::kwargs& kw, const char* name) {
  if (kw.contains(name)) {
    BIBUN_CHECK_T(TypeError, args.size() == 0 && kw.size() == 1, "received an invalid combination of arguments");
    return parse_dims(kw[name]);
  }
  BIBUN_CHECK_T(TypeError, kw.size() == 0, "received an invalid combination of arguments");
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return parse_dims(args[0]);
  std::vector<int64_t> out;
  for (py::handle h : args) {
    BIBUN_CHECK_T(TypeError, PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr()),
                  "expected a sequence of integers, but got ", Py_TYPE(h.ptr())->tp_name);
    out.push_back(h.cast<int64_t>());
  }
  return out;
}

std::optional<int64_t> optional_dim(py::handle dim) {
  if (dim.is_none()) return std::nullopt;
  return dim.cast<int64_t>();
}

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple t(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) t[i] = py::cast(ts[i]);
  return t;
}

Tensor repeat_interleave(const Tensor& a, py::handle repeats, py::handle dim) {
  if (is_tensor(repeats)) return ops::repeat_interleave(a, as_tensor(repeats), optional_dim(dim));
  return ops::repeat_interleave(a, repeats.cast<int64_t>(), optional_dim(dim));
}

}  // namespace

void init_shape(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(reinterpret_cast<PyObject*>(g_tensor_type));
  cls.def("flip", [](const Tensor& a, py::args dims, py::kwargs kw) {
       BIBUN_CHECK_T(TypeError, dims.size() + kw.size() != 0, "flip() missing 1 required positional arguments: \"dims\"");
       return ops::flip(a, ints_from_args(dims, kw, "dims"));
     })
      .def("roll", [](const Tensor& a, py::handle shifts, py::handle dims) {
        return ops::roll(a, parse_dims(shifts), parse_dims(dims));
      }, py::arg("shifts"), py::arg("dims") = py::none())
      .def("rot90", [](const Tensor& a, int64_t k, py::handle dims) { return ops::rot90(a, k, parse_dims(dims)); },
           py::arg("k") = 1, py::arg("dims") = py::make_tuple(0, 1))
      .def("tril", [](const Tensor& a, int64_t k) { return ops::tril(a, k); }, py::arg("diagonal") = 0)
      .def("triu", [](const Tensor& a, int64_t k) { return ops::triu(a, k); }, py::arg("diagonal") = 0)
      .def("tril_", [](Tensor& a, int64_t k) { return ops::tril_(a, k); }, py::arg("diagonal") = 0)
      .def("triu_", [](Tensor& a, int64_t k) { return ops::triu_(a, k); }, py::arg("diagonal") = 0)
      .def("diag", [](const Tensor& a, int64_t k) { return ops::diag(a, k); }, py::arg("diagonal") = 0)
      .def("diagonal", [](const Tensor& a, int64_t offset, int64_t d1, int64_t d2) {
        return ops::diagonal(a, offset, d1, d2);
      }, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1)
      .def("diag_embed", [](const Tensor& a, int64_t offset, int64_t d1, int64_t d2) {
        return ops::diag_embed(a, offset, d1, d2);
      }, py::arg("offset") = 0, py::arg("dim1") = -2, py::arg("dim2") = -1)
      .def("squeeze", [](const Tensor& a, py::handle dim) {
        if (dim.is_none()) return ops::squeeze_all(a);
        if (PyLong_Check(dim.ptr())) return ops::squeeze(a, dim.cast<int64_t>());
        return ops::squeeze_dims(a, parse_dims(dim));
      }, py::arg("dim") = py::none())
      .def("squeeze_", [](Tensor& a, py::handle dim) -> Tensor {
        if (dim.is_none()) return ops::squeeze_(a, std::nullopt, false);
        return ops::squeeze_(a, parse_dims(dim), !PyLong_Check(dim.ptr()));
      }, py::arg("dim") = py::none())
      .def("unsqueeze_", [](Tensor& a, int64_t d) -> Tensor { return ops::unsqueeze_(a, d); }, py::arg("dim"))
      .def("transpose_", [](Tensor& a, int64_t d0, int64_t d1) -> Tensor { return ops::transpose_(a, d0, d1); })
      .def("swapaxes_", [](Tensor& a, int64_t d0, int64_t d1) -> Tensor { return ops::transpose_(a, d0, d1); })
      .def("swapdims_", [](Tensor& a, int64_t d0, int64_t d1) -> Tensor { return ops::transpose_(a, d0, d1); })
      .def("trace", [](const Tensor& a) { return ops::trace(a); })
      .def("repeat", [](const Tensor& a, py::args sizes, py::kwargs kw) {
        BIBUN_CHECK_T(TypeError, sizes.size() + kw.size() != 0,
                      "repeat() missing 1 required positional arguments: \"repeats\"");
        return ops::repeat(a, ints_from_args(sizes, kw, "repeats"));
      })
      .def("repeat_interleave", [](const Tensor& a, py::handle repeats, py::handle dim, py::handle) {
        return repeat_interleave(a, repeats, dim);
      }, py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none())
      .def("split_with_sizes", [](const Tensor& a, py::handle sizes, int64_t dim) {
        return to_tuple(ops::split_with_sizes(a, parse_dims(sizes), dim));
      }, py::arg("split_sizes"), py::arg("dim") = 0)
      .def("unbind", [](const Tensor& a, int64_t dim) { return to_tuple(ops::unbind(a, dim)); }, py::arg("dim") = 0);

  m.def("_split", [](const Tensor& a, py::handle size, int64_t dim) {
    if (PyLong_Check(size.ptr())) return to_tuple(ops::split(a, size.cast<int64_t>(), dim));
    return to_tuple(ops::split_with_sizes(a, parse_dims(size), dim));
  });
  m.def("_sort", [](const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable) {
    auto [v, i] = ops::sort(a, dim, descending, stable);
    return py::make_tuple(v, i);
  });
  m.def("_argsort", [](const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable) {
    return ops::argsort(a, dim, descending, stable);
  });
  m.def("_topk", [](const Tensor& a, int64_t k, int64_t dim, bool largest, bool sorted) {
    auto [v, i] = ops::topk(a, k, dim, largest, sorted);
    return py::make_tuple(v, i);
  });
  m.def("_kthvalue", [](const Tensor& a, int64_t k, int64_t dim, bool keepdim) {
    auto [v, i] = ops::kthvalue(a, k, dim, keepdim);
    return py::make_tuple(v, i);
  });
  m.def("_unique", [](const Tensor& a, py::handle dim, bool consecutive) {
    auto [v, inv, c] = ops::unique(a, optional_dim(dim), consecutive);
    return py::make_tuple(v, inv, c);
  });
  m.def("_repeat_interleave_index", [](const Tensor& repeats) { return ops::repeat_interleave_index(repeats); });
  m.def("_squeeze_dims", [](const Tensor& a, py::handle dims) { return ops::squeeze_dims(a, parse_dims(dims)); });
}

}  // namespace bibun::python
