// Backward formulas of the advanced-indexing family, written with recorded ops so that double
// backward works: index <-> index_put(accumulate), gather <-> scatter_add, index_select <->
// index_add, masked_select <-> masked_scatter are each other's adjoints.
#include "autograd/formulas/helpers.h"
#include "autograd/formulas/indexing_nodes.h"
#include "kernels/kernels.h"
#include "ops/indexing.h"

namespace bibun::indexing_nodes {

namespace {
constexpr size_t kIndex = 1;  // the saved index / mask slot (kOther)
Tensor zero_of(const Tensor& g) { return ops::zeros({}, g.dtype()); }
Tensor zeros(const DimVector& sizes, const Tensor& g) { return ops::zeros(sizes, g.dtype()); }
Tensor to_shape(const Tensor& t, const DimVector& sizes) { return t.sizes() == sizes ? t : ops::reshape(t, sizes); }
}  // namespace

tensor_list IndexBackward0::apply(tensor_list&& g) {
  return {ops::index_put(zeros(self_sizes, g[0]), indices(), g[0], true)};
}

tensor_list IndexPutBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  std::vector<Tensor> idx = indices();
  if (needs_input_grad(0)) r[0] = accumulate ? g[0] : ops::index_put(g[0], idx, zero_of(g[0]), false);
  if (needs_input_grad(1)) r[1] = ops::sum_to(ops::index(g[0], idx), values_sizes);
  return r;
}

tensor_list GatherBackward0::apply(tensor_list&& g) {
  return {ops::scatter_add(zeros(self_sizes, g[0]), dim, saved(kIndex), g[0])};
}

tensor_list ScatterBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor index = saved(kIndex);
  if (needs_input_grad(0)) r[0] = ops::scatter(g[0], dim, index, Tensor(), Scalar(0.0), "");
  if (needs_input_grad(1)) r[1] = ops::gather(g[0], dim, index);
  return r;
}

tensor_list ScatterBackward1::apply(tensor_list&& g) {
  return {ops::scatter(g[0], dim, saved(kIndex), Tensor(), Scalar(0.0), "")};
}

tensor_list ScatterReduceNotImplemented::apply(tensor_list&&) {
  throw Error("derivative for aten::scatter is not implemented");
}

tensor_list ScatterAddBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1)) r[1] = ops::gather(g[0], dim, saved(kIndex));
  return r;
}

tensor_list IndexSelectBackward0::apply(tensor_list&& g) {
  return {ops::index_add(zeros(self_sizes, g[0]), dim, saved(kIndex), g[0], Scalar(int64_t{1}))};
}

tensor_list IndexAddBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = g[0];
  if (needs_input_grad(1))
    r[1] = to_shape(formulas::maybe_multiply(ops::index_select(g[0], dim, saved(kIndex)), alpha), source_sizes);
  return r;
}

tensor_list IndexFillBackward0::apply(tensor_list&& g) {
  return {ops::index_fill(g[0], dim, saved(kIndex), Scalar(0.0))};
}

tensor_list IndexFillBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor index = saved(kIndex);
  if (needs_input_grad(0)) r[0] = ops::index_fill(g[0], dim, index, Scalar(0.0));
  if (needs_input_grad(1)) r[1] = ops::sum(ops::index_select(g[0], dim, index), {}, false, std::nullopt);
  return r;
}

tensor_list FillBackward3::apply(tensor_list&& g) {
  tensor_list r(2);
  if (needs_input_grad(0)) r[0] = zeros(g[0].sizes(), g[0]);
  if (needs_input_grad(1)) r[1] = ops::sum(g[0], {}, false, std::nullopt);
  return r;
}

tensor_list IndexCopyBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor index = saved(kIndex);
  if (needs_input_grad(0)) r[0] = ops::index_fill(g[0], dim, index, Scalar(0.0));
  if (needs_input_grad(1)) r[1] = to_shape(ops::index_select(g[0], dim, index), source_sizes);
  return r;
}

tensor_list MaskedFillBackward1::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor mask = saved(kIndex);
  Tensor outside = ops::masked_fill(g[0], ops::expand(mask, g[0].sizes()), Scalar(0.0));
  if (needs_input_grad(0)) r[0] = outside;
  if (needs_input_grad(1)) r[1] = ops::sum(ops::sub(g[0], outside, Scalar(int64_t{1})), {}, false, std::nullopt);
  return r;
}

tensor_list MaskedSelectBackward0::apply(tensor_list&& g) {
  Tensor mask = saved(kIndex);
  DimVector shape = kernels::broadcast_shapes(self_sizes, mask.sizes());
  return {ops::sum_to(ops::masked_scatter(zeros(shape, g[0]), mask, g[0]), self_sizes)};
}

tensor_list MaskedScatterBackward0::apply(tensor_list&& g) {
  tensor_list r(2);
  Tensor mask = saved(kIndex);
  if (needs_input_grad(0)) r[0] = ops::sum_to(ops::masked_fill(g[0], ops::expand(mask, g[0].sizes()), Scalar(0.0)), self_sizes);
  if (needs_input_grad(1)) {
    Tensor picked = ops::masked_select(g[0], mask);
    const int64_t n = numel_of(source_sizes);
    if (picked.numel() < n) picked = ops::cat({picked, ops::zeros({n - picked.numel()}, g[0].dtype())}, 0);
    r[1] = ops::reshape(picked, source_sizes);
  }
  return r;
}

tensor_list TakeBackward0::apply(tensor_list&& g) {
  Tensor flat = ops::index_put(ops::zeros({numel_of(self_sizes)}, g[0].dtype()), {saved(kIndex)}, g[0], true);
  return {ops::reshape(flat, self_sizes)};
}

}  // namespace bibun::indexing_nodes
