// Bindings of the binary elementwise ops, comparisons, logical and bitwise ops (ops/binary.h).
#include "python/common.h"

namespace bibun::python {

void init_binary(py::module_& m) { (void)m; }

}  // namespace bibun::python
