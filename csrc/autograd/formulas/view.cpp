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

tensor_list SqueezeBackward1::apply(tensor_list&& g) { return {unsqueeze_if_squeezed(g[0], self_sizes, dim)}; }
tensor_list SqueezeBackward4::apply(tensor_list&& g) { return {unsqueeze_if_squeezed(g[0], self_sizes, dim)}; }
tensor_list TransposeBackward0::apply(tensor_list&& g) { return {ops::transpose(g[0], dim0, dim1)}; }
tensor_list TBackward0::apply(tensor_list&& g) { return {ops::t(g[0])}; }

}  // namespace bibun
