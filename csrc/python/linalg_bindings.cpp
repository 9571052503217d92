// Bindings of the linear algebra (ops/linalg.h): Tensor methods bmm, baddbmm, addbmm, addmm,
// addmv, vdot, det, inverse, cholesky, and private _C functions behind bibun.linalg; LinAlgError.
#include "kernels/lapack.h"
#include "ops/linalg.h"
#include "python/common.h"

namespace bibun::python {

namespace {

Scalar scalar_arg(py::handle h, const char* op, const char* name) {
  if (auto s = as_scalar(h)) return *s;
  throw py::type_error(std::string(op) + "(): argument '" + name + "' must be Number, not " + Py_TYPE(h.ptr())->tp_name);
}

}  // namespace

void init_linalg(py::module_& m) {
  static py::exception<LinAlgError> lin_alg_error(m, "_LinAlgError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const LinAlgError& e) {
      PyErr_SetString(lin_alg_error.ptr(), e.what());
    }
  });

  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, Tensor>>(m.attr("Tensor"));
  cls.def("bmm", [](const Tensor& a, const Tensor& b) { return ops::bmm(a, b); })
      .def("vdot", [](const Tensor& a, const Tensor& b) { return ops::vdot(a, b); })
      .def("det", [](const Tensor& a) { return ops::linalg_det(a); })
      .def("inverse", [](const Tensor& a) { return ops::linalg_inv(a); })
      .def("cholesky", [](const Tensor& a, bool upper) { return ops::cholesky(a, upper); }, py::arg("upper") = false);
  struct Scaled {
    const char* name;
    Tensor (*fn)(const Tensor&, const Tensor&, const Tensor&, Scalar, Scalar);
    Tensor& (*inplace)(Tensor&, const Tensor&, const Tensor&, Scalar, Scalar);
    const char* arg1;
    const char* arg2;
  };
  static const Scaled kScaled[] = {{"baddbmm", &ops::baddbmm, &ops::baddbmm_, "batch1", "batch2"},
                                   {"addbmm", &ops::addbmm, &ops::addbmm_, "batch1", "batch2"},
                                   {"addmm", &ops::addmm, &ops::addmm_, "mat1", "mat2"},
                                   {"addmv", &ops::addmv, &ops::addmv_, "mat", "vec"}};
  for (const Scaled& s : kScaled) {
    auto fn = [f = s.fn, name = s.name](const Tensor& self, const Tensor& a, const Tensor& b, py::handle beta,
                                        py::handle alpha) {
      return f(self, a, b, scalar_arg(beta, name, "beta"), scalar_arg(alpha, name, "alpha"));
    };
    cls.def(s.name, fn, py::arg(s.arg1), py::arg(s.arg2), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
    auto fn_ = [f = s.inplace, name = s.name](Tensor& self, const Tensor& a, const Tensor& b, py::handle beta,
                                              py::handle alpha) {
      return Tensor(f(self, a, b, scalar_arg(beta, name, "beta"), scalar_arg(alpha, name, "alpha")));
    };
    cls.def((std::string(s.name) + "_").c_str(), fn_, py::arg(s.arg1), py::arg(s.arg2), py::kw_only(),
            py::arg("beta") = 1, py::arg("alpha") = 1);
  }

  m.def("_linalg_cross", &ops::linalg_cross);
  m.def("_linalg_det", &ops::linalg_det);
  m.def("_linalg_inv", &ops::linalg_inv);
  m.def("_linalg_solve", &ops::linalg_solve, py::arg("A"), py::arg("B"), py::arg("left") = true);
  m.def("_linalg_cholesky", &ops::linalg_cholesky);
  m.def("_linalg_svdvals", &ops::linalg_svdvals);
  m.def("_linalg_svd", [](const Tensor& a, bool full_matrices, bool compute_uv) {
    auto [u, s, vh] = ops::linalg_svd(a, full_matrices, compute_uv);
    return py::make_tuple(u, s, vh);
  });
  m.def("_unsafe_view", [](const Tensor& a, py::handle sizes) { return ops::unsafe_view(a, parse_sizes(sizes)); });
}

}  // namespace bibun::python
