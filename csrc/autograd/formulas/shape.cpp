// Backward formulas of the shape ops (ops/shape.cpp, ops/sort.cpp, ops/view.cpp's diagonal and
// squeeze over several dims), written with recorded ops so that double backward works.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/nodes.h"
#include "autograd/formulas/shape_nodes.h"
#include "ops/shape.h"

namespace bibun::shape_nodes {

tensor_list FlipBackward0::apply(tensor_list&& g) { return {ops::flip(g[0], dims)}; }

tensor_list RollBackward0::apply(tensor_list&& g) {
  std::vector<int64_t> back;
  for (int64_t s : shifts) back.push_back(-s);
  return {ops::roll(g[0], back, dims)};
}

tensor_list Rot90Backward0::apply(tensor_list&& g) { return {ops::rot90(g[0], -k, dims)}; }
tensor_list TrilBackward0::apply(tensor_list&& g) { return {ops::tril(g[0], k)}; }
tensor_list TriuBackward0::apply(tensor_list&& g) { return {ops::triu(g[0], k)}; }

tensor_list DiagonalBackward0::apply(tensor_list&& g) {
  return {ops::diagonal_backward(g[0], self_sizes, offset, dim1, dim2)};
}
tensor_list DiagonalCopyBackward0::apply(tensor_list&& g) {
  return {ops::diagonal_backward(g[0], self_sizes, offset, 0, 1)};
}
tensor_list DiagonalBackwardBackward0::apply(tensor_list&& g) { return {ops::diagonal(g[0], offset, dim1, dim2)}; }
tensor_list DiagEmbedBackward0::apply(tensor_list&& g) { return {ops::diagonal(g[0], offset, dim1, dim2)}; }

tensor_list TraceBackward0::apply(tensor_list&& g) {
  const int64_t n = std::min(self_sizes[0], self_sizes[1]);
  return {ops::diagonal_backward(ops::expand(g[0], {n}), self_sizes, 0, 0, 1)};
}

tensor_list RepeatBackward0::apply(tensor_list&& g) {
  // grad viewed as (r0, s0, r1, s1, ...) over the padded dims, summed over the repeat dims.
  const size_t nd = repeats.size(), pad = nd - self_sizes.size();
  DimVector inter;
  std::vector<int64_t> sum_dims;
  for (size_t i = 0; i < nd; ++i) {
    sum_dims.push_back(static_cast<int64_t>(inter.size()));
    inter.push_back(repeats[i]);
    inter.push_back(i < pad ? 1 : self_sizes[i - pad]);
  }
  Tensor r = ops::sum(ops::reshape(g[0], inter), sum_dims, false, std::nullopt);
  return {ops::reshape(r, self_sizes)};
}

tensor_list SqueezeBackward2::apply(tensor_list&& g) {
  Tensor r = g[0];
  for (int64_t d : dims) r = ops::unsqueeze(r, d);
  return {r};
}

tensor_list UnsqueezeBackward1::apply(tensor_list&& g) { return {ops::squeeze(g[0], dim)}; }
tensor_list SqueezeInplaceAllBackward::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list SqueezeInplaceDimsBackward::apply(tensor_list&& g) { return {ops::reshape(g[0], self_sizes)}; }
tensor_list TransposeBackward1::apply(tensor_list&& g) { return {ops::transpose(g[0], dim0, dim1)}; }

namespace {
Tensor cat_grads(const tensor_list& g, int64_t dim) { return ops::cat(std::vector<Tensor>(g.begin(), g.end()), dim); }
}  // namespace

tensor_list SplitBackward0::apply(tensor_list&& g) { return {cat_grads(g, dim)}; }
tensor_list SplitWithSizesBackward0::apply(tensor_list&& g) { return {cat_grads(g, dim)}; }
tensor_list UnbindBackward0::apply(tensor_list&& g) {
  return {ops::stack(std::vector<Tensor>(g.begin(), g.end()), dim)};
}

tensor_list SortBackward0::apply(tensor_list&& g) {
  if (self_sizes.empty()) return {g[0]};
  return {ops::scatter_add_along(self_sizes, dim, saved(kSelf), g[0])};
}
tensor_list TopkBackward0::apply(tensor_list&& g) {
  if (self_sizes.empty()) return {g[0]};
  return {ops::scatter_add_along(self_sizes, dim, saved(kSelf), g[0])};
}
tensor_list KthvalueBackward0::apply(tensor_list&& g) {
  if (self_sizes.empty()) return {g[0]};
  Tensor grad = keepdim ? g[0] : ops::unsqueeze(g[0], dim);
  return {ops::scatter_add_along(self_sizes, dim, saved(kSelf), grad)};
}

tensor_list GatherDimBackward0::apply(tensor_list&& g) {
  return {ops::scatter_add_along(self_sizes, dim, saved(kSelf), g[0])};
}
tensor_list ScatterAddDimBackward0::apply(tensor_list&& g) { return {ops::gather_along(g[0], dim, saved(kSelf))}; }
tensor_list IndexSelectBackward0::apply(tensor_list&& g) {
  return {ops::scatter_add_along(self_sizes, dim, saved(kSelf), g[0])};
}

tensor_list NotDifferentiableBackward::apply(tensor_list&&) {
  throw NotImplementedError("the derivative for '" + op_name + "' is not implemented.");
}

}  // namespace bibun::shape_nodes
