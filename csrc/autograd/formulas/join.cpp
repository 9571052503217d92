// Backward formulas of cat and stack (ops/join.cpp): each input gets its slice of the gradient.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"

namespace bibun {

tensor_list CatBackward0::apply(tensor_list&& g) {
  tensor_list r(lengths.size());
  int64_t offset = 0;
  for (size_t i = 0; i < lengths.size(); ++i) {
    if (lengths[i] == 0) {
      if (needs_input_grad(i)) r[i] = ops::zeros(shapes[i], g[0].dtype());
      continue;
    }
    if (needs_input_grad(i)) r[i] = ops::slice(g[0], dim, offset, offset + lengths[i], 1);
    offset += lengths[i];
  }
  return r;
}

tensor_list StackBackward0::apply(tensor_list&& g) {
  tensor_list r(count);
  for (size_t i = 0; i < count; ++i)
    if (needs_input_grad(i)) r[i] = ops::select(g[0], dim, static_cast<int64_t>(i));
  return r;
}

}  // namespace bibun
