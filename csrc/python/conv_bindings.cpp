// Bindings of the convolution, pooling and batch norm (ops/conv.h).
#include "python/common.h"

namespace bibun::python {

void init_conv(py::module_& m) { (void)m; }

}  // namespace bibun::python
