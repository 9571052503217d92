// Backward formulas of the view ops (ops/view.cpp).
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"

namespace bibun {

tensor_list ExpandBackward0::apply(tensor_list&& g) { return {ops::sum_to(g[0], self_sizes)}; }
tensor_list UnsqueezeBackward0::apply(tensor_list&& g) { return {ops::squeeze(g[0], dim)}; }

namespace {
Tensor unsqueeze_if_squeezed(const Tensor& g, const DimVector& self_sizes, int64_t dim) {
  return !self_sizes.empty() && self_sizes[dim] == 1 ? ops::unsqueeze(g, dim) : g;
}
}  // namespace

tensor_list SqueezeBackward0::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list SqueezeBackward1::apply(tensor_list&& g) { return {unsqueeze_if_squeezed(g[0], self_sizes, dim)}; }
tensor_list SqueezeBackward4::apply(tensor_list&& g) { return {unsqueeze_if_squeezed(g[0], self_sizes, dim)}; }
tensor_list TransposeBackward0::apply(tensor_list&& g) { return {ops::transpose(g[0], dim0, dim1)}; }
tensor_list TBackward0::apply(tensor_list&& g) { return {ops::t(g[0])}; }
tensor_list ViewBackward0::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list ReshapeAliasBackward0::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list TBackward1::apply(tensor_list&& g) { return {ops::t(g[0])}; }
tensor_list UnsafeViewBackward0::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list AliasBackward0::apply(tensor_list&& g) { return {g[0]}; }

tensor_list PermuteBackward0::apply(tensor_list&& g) {
  std::vector<int64_t> inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[dims[i]] = static_cast<int64_t>(i);
  return {ops::permute(g[0], inverse)};
}

tensor_list SelectBackward0::apply(tensor_list&& g) { return {ops::select_backward(g[0], self_sizes, dim, index)}; }
tensor_list SliceBackward0::apply(tensor_list&& g) {
  return {ops::slice_backward(g[0], self_sizes, dim, start, end, step)};
}
tensor_list SelectBackwardBackward0::apply(tensor_list&& g) { return {ops::select(g[0], dim, index)}; }
tensor_list SliceBackwardBackward0::apply(tensor_list&& g) { return {ops::slice(g[0], dim, start, end, step)}; }

// copy_: self's old value is overwritten (zero gradient); src receives the gradient, summed
// to its shape and cast to its dtype by the engine.
tensor_list CopyBackwards::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = formulas::zeros_like(g[0]);
  if (needs_input_grad(1)) r[1] = g[0];
  return r;
}

}  // namespace bibun
