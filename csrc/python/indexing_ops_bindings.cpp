// Bindings of the advanced indexing and gather/scatter/index_select/masked ops (ops/indexing.h).
#include "python/common.h"

namespace bibun::python {

void init_indexing_ops(py::module_& m) { (void)m; }

}  // namespace bibun::python
