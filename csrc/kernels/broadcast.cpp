#include "kernels/strided_loop.h"

namespace bibun::kernels {

DimVector broadcast_shapes(const DimVector& a, const DimVector& b) {
  const size_t nd = std::max(a.size(), b.size());
  DimVector out(nd);
  for (size_t i = 0; i < nd; ++i) {
    // Align from the right; PyTorch names the dims of the result.
    int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    BIBUN_CHECK(da == db || da == 1 || db == 1, "The size of tensor a (", da, ") must match the size of tensor b (",
                db, ") at non-singleton dimension ", i);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace bibun::kernels
