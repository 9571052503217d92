// Backward formulas of the products (ops/linalg.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"

namespace bibun {

tensor_list MmBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mm(g[0], ops::t(saved(kOther)));
  if (needs_input_grad(1)) r[1] = ops::mm(ops::t(saved(kSelf)), g[0]);
  return r;
}

tensor_list MvBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mm(ops::unsqueeze(g[0], 1), ops::unsqueeze(saved(kOther), 0));
  if (needs_input_grad(1)) r[1] = ops::mv(ops::t(saved(kSelf)), g[0]);
  return r;
}

tensor_list DotBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = ops::mul(g[0], saved(kOther));
  if (needs_input_grad(1)) r[1] = ops::mul(g[0], saved(kSelf));
  return r;
}

}  // namespace bibun
