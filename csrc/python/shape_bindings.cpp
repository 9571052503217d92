// Bindings of the shape ops: flip/roll/tril/triu/diag/repeat/split/sort/topk/... (ops/shape.h).
#include "python/common.h"

namespace bibun::python {

void init_shape(py::module_& m) { (void)m; }

}  // namespace bibun::python
