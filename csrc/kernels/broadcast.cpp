#include "kernels/strided_loop.h"

namespace bibun::kernels {

DimVector broadcast_shapes(const DimVector& a, const DimVector& b) {
  if (a == b) return a;  // the common case
  const size_t nd = std::max(a.size(), b.size());
  DimVector out(nd);
  // Align from the right, and check from the right as PyTorch does: it names the last
  // mismatching dim, counted in the result's dims.
  for (size_t i = nd; i-- > 0;) {
    int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    BIBUN_CHECK(da == db || da == 1 || db == 1, "The size of tensor a (", da, ") must match the size of tensor b (",
                db, ") at non-singleton dimension ", i);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace bibun::kernels
