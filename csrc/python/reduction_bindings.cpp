// Bindings of the reductions with dim: max/min/argmax/var/std/prod/cumsum/logsumexp/... (ops/reduction_ext.h).
#include "python/common.h"

namespace bibun::python {

void init_reduction(py::module_& m) { (void)m; }

}  // namespace bibun::python
