// Private Tensor methods of the reductions with dim (ops/reduction_ext.h); python/bibun/_reduction.py
// parses PyTorch's overloads (max(), max(dim), max(other), var(unbiased) / var(correction=), ...) over
// them and builds the public functions, methods and named-tuple results.
#include "ops/reduction_ext.h"
#include "python/common.h"

namespace bibun::python {

namespace {

py::tuple pair(const ops::TensorPair& p) { return py::make_tuple(p.first, p.second); }

}  // namespace

void init_reduction(py::module_& m) {
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  using Dim = std::optional<int64_t>;
  cls.def("_prod", [](const Tensor& a, Dim dim, bool keepdim, py::handle dtype) {
    return ops::prod(a, dim, keepdim, parse_optional_dtype(dtype));
  });
  m.def("_norm_backward1", [](const Tensor& a, double p, py::handle dim, bool keepdim) {
    return ops::norm_backward1(a, p, parse_dims(dim), keepdim);
  });
  cls.def("_amax", [](const Tensor& a, py::handle dim, bool keepdim) { return ops::amax(a, parse_dims(dim), keepdim); });
  cls.def("_amin", [](const Tensor& a, py::handle dim, bool keepdim) { return ops::amin(a, parse_dims(dim), keepdim); });
  cls.def("_max_all", [](const Tensor& a) { return ops::max_all(a); });
  cls.def("_min_all", [](const Tensor& a) { return ops::min_all(a); });
  cls.def("_max_dim", [](const Tensor& a, int64_t dim, bool keepdim) { return pair(ops::max_dim(a, dim, keepdim)); });
  cls.def("_min_dim", [](const Tensor& a, int64_t dim, bool keepdim) { return pair(ops::min_dim(a, dim, keepdim)); });
  cls.def("_argmax", [](const Tensor& a, Dim dim, bool keepdim) { return ops::argmax(a, dim, keepdim); });
  cls.def("_argmin", [](const Tensor& a, Dim dim, bool keepdim) { return ops::argmin(a, dim, keepdim); });
  cls.def("_var", [](const Tensor& a, py::handle dim, double correction, bool keepdim) {
    return ops::var(a, parse_dims(dim), correction, keepdim);
  });
  cls.def("_std", [](const Tensor& a, py::handle dim, double correction, bool keepdim) {
    return ops::std(a, parse_dims(dim), correction, keepdim);
  });
  cls.def("_var_mean", [](const Tensor& a, py::handle dim, double correction, bool keepdim) {
    return pair(ops::var_mean(a, parse_dims(dim), correction, keepdim));
  });
  cls.def("_std_mean", [](const Tensor& a, py::handle dim, double correction, bool keepdim) {
    return pair(ops::std_mean(a, parse_dims(dim), correction, keepdim));
  });
  cls.def("_logsumexp", [](const Tensor& a, py::handle dim, bool keepdim) {
    return ops::logsumexp(a, parse_dims(dim), keepdim);
  });
  cls.def("_cumsum", [](const Tensor& a, int64_t dim, py::handle dtype) {
    return ops::cumsum(a, dim, parse_optional_dtype(dtype));
  });
  cls.def("_cumprod", [](const Tensor& a, int64_t dim, py::handle dtype) {
    return ops::cumprod(a, dim, parse_optional_dtype(dtype));
  });
  cls.def(
      "cumsum_",
      [](Tensor& a, int64_t dim, py::handle dtype) { return Tensor(ops::cumsum_(a, dim, parse_optional_dtype(dtype))); },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def(
      "cumprod_",
      [](Tensor& a, int64_t dim, py::handle dtype) { return Tensor(ops::cumprod_(a, dim, parse_optional_dtype(dtype))); },
      py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def("_mode", [](const Tensor& a, int64_t dim, bool keepdim) { return pair(ops::mode(a, dim, keepdim)); });
  cls.def("_cummax", [](const Tensor& a, int64_t dim) { return pair(ops::cummax(a, dim)); });
  cls.def("_cummin", [](const Tensor& a, int64_t dim) { return pair(ops::cummin(a, dim)); });
  cls.def("_median_all", [](const Tensor& a) { return ops::median_all(a); });
  cls.def("_median_dim", [](const Tensor& a, int64_t dim, bool keepdim) { return pair(ops::median_dim(a, dim, keepdim)); });
  cls.def("_count_nonzero", [](const Tensor& a, py::handle dim) { return ops::count_nonzero(a, parse_dims(dim)); });
  cls.def("_nansum", [](const Tensor& a, py::handle dim, bool keepdim, py::handle dtype) {
    return ops::nansum(a, parse_dims(dim), keepdim, parse_optional_dtype(dtype));
  });
  cls.def("_aminmax", [](const Tensor& a, py::handle dim, bool keepdim) {
    return pair(ops::aminmax(a, parse_dims(dim), keepdim));
  });
  cls.def("_nanmean", [](const Tensor& a, py::handle dim, bool keepdim, py::handle dtype) {
    return ops::nanmean(a, parse_dims(dim), keepdim, parse_optional_dtype(dtype));
  });
}

}  // namespace bibun::python
