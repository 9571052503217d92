// Bindings of the convolution, pooling and batch norm (ops/conv.h). Argument forms PyTorch
// accepts in Python (ints or tuples, 'same'/'valid', unbatched inputs) are parsed in
// python/bibun/nn/_conv_functional.py.
#include "ops/conv.h"
#include "python/common.h"

namespace bibun::python {

namespace {

Tensor optional_tensor(py::handle h) { return h.is_none() ? Tensor() : py::cast<Tensor>(h); }

}  // namespace

void init_conv(py::module_& m) {
  m.def("_convolution", [](const Tensor& input, const Tensor& weight, py::handle bias, std::vector<int64_t> stride,
                           std::vector<int64_t> padding, std::vector<int64_t> dilation, int64_t groups) {
    return ops::convolution(input, weight, optional_tensor(bias), stride, padding, dilation, groups);
  });
  m.def("_max_pool2d_with_indices", &ops::max_pool2d_with_indices);
  m.def("_avg_pool2d", &ops::avg_pool2d);
  m.def("_adaptive_avg_pool2d", &ops::adaptive_avg_pool2d);
  m.def("_batch_norm", [](const Tensor& input, py::handle weight, py::handle bias, py::handle running_mean,
                          py::handle running_var, bool training, double momentum, double eps) {
    return ops::batch_norm(input, optional_tensor(weight), optional_tensor(bias), optional_tensor(running_mean),
                           optional_tensor(running_var), training, momentum, eps);
  });
}

}  // namespace bibun::python
