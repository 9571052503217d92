// cat and stack: the inputs are copied into slices of one output.
#include "ops/common.h"

namespace bibun::ops {

namespace {

// PyTorch still skips 1-D empty tensors of shape [0] in cat (legacy behaviour).
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.sizes()[0] == 0; }

// Edges and requires_grad over a list of inputs.
edge_list edges_of(const std::vector<Tensor>& ts, bool& any_requires) {
  edge_list edges;
  any_requires = false;
  for (const Tensor& t : ts) {
    edges.push_back(gradient_edge(t));
    any_requires |= t.requires_grad();
  }
  return edges;
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim_in) {
  BIBUN_CHECK_T(ValueError, !tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  const Tensor* ref = nullptr;
  ScalarType dtype = tensors[0].dtype();
  for (const Tensor& t : tensors) {
    dtype = promote_types(dtype, t.dtype());
    if (!ref && !skipped_in_cat(t)) ref = &t;
  }
  if (!ref) ref = &tensors[0];
  BIBUN_CHECK(ref->dim() > 0, "zero-dimensional tensor (at position 0) cannot be concatenated");
  const int64_t dim = wrap_dim(dim_in, ref->dim());
  DimVector out_sizes = ref->sizes();
  int64_t total = 0;
  std::vector<int64_t> lengths;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped_in_cat(t) && ref->dim() != 1) {
      lengths.push_back(0);
      continue;
    }
    BIBUN_CHECK(t.dim() == ref->dim(), "Tensors must have same number of dimensions: got ", ref->dim(), " and ",
                t.dim());
    for (int64_t d = 0; d < t.dim(); ++d) {
      BIBUN_CHECK(d == dim || t.sizes()[d] == ref->sizes()[d], "Sizes of tensors must match except in dimension ",
                  dim, ". Expected size ", ref->sizes()[d], " but got size ", t.sizes()[d], " for tensor number ", i,
                  " in the list.");
    }
    lengths.push_back(t.sizes()[dim]);
    total += t.sizes()[dim];
  }
  out_sizes[dim] = total;
  Tensor out = empty(out_sizes, dtype);
  {
    AutoGradMode off(false);
    int64_t offset = 0;
    for (size_t i = 0; i < tensors.size(); ++i) {
      if (lengths[i] == 0) continue;
      Tensor window = slice(out, dim, offset, offset + lengths[i], 1);
      kernels::copy(window, tensors[i]);
      offset += lengths[i];
    }
  }
  bool any_requires = false;
  edge_list edges = edges_of(tensors, any_requires);
  if (GradMode::is_enabled() && any_requires) {
    auto node = std::make_shared<CatBackward0>();
    node->set_next_edges(std::move(edges));
    node->dim = dim;
    node->lengths = lengths;
    for (const Tensor& t : tensors) node->shapes.push_back(t.sizes());
    set_history(out, node);
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim_in) {
  BIBUN_CHECK(!tensors.empty(), "stack expects a non-empty TensorList");
  for (size_t i = 1; i < tensors.size(); ++i) {
    BIBUN_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack expects each tensor to be equal size, but got ",
                shape_str(tensors[0].sizes()), " at entry 0 and ", shape_str(tensors[i].sizes()), " at entry ", i);
  }
  const int64_t dim = wrap_dim(dim_in, tensors[0].dim() + 1);
  std::vector<Tensor> parts;
  {
    AutoGradMode off(false);
    for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, dim));
  }
  Tensor out;
  {
    AutoGradMode off(false);
    out = cat(parts, dim);
  }
  bool any_requires = false;
  edge_list edges = edges_of(tensors, any_requires);
  if (GradMode::is_enabled() && any_requires) {
    auto node = std::make_shared<StackBackward0>();
    node->set_next_edges(std::move(edges));
    node->dim = dim;
    node->count = tensors.size();
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
