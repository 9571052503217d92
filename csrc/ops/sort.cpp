// Sorting and selection along a dim: sort, argsort, topk, kthvalue; and unique. The values
// carry the gradient (scattered back through the indices); indices are int64 and never do.
#include <algorithm>

#include "autograd/formulas/shape_nodes.h"
#include "kernels/shape_kernels.h"
#include "ops/common.h"
#include "ops/shape.h"

namespace bibun::ops {

namespace sn = shape_nodes;

namespace {

int64_t size_at(const Tensor& a, int64_t dim) { return a.dim() == 0 ? 1 : a.sizes()[dim]; }

// An int64 tensor of `sizes` holding `v` (row-major).
Tensor int64_tensor(const std::vector<int64_t>& v, const DimVector& sizes) {
  Tensor out = empty(sizes, ScalarType::Int64);
  std::copy(v.begin(), v.end(), out.data<int64_t>());
  return out;
}
// A new contiguous tensor holding t's values (never a view of t).
Tensor fresh_copy(const Tensor& t) {
  Tensor out = empty(t.sizes(), t.dtype());
  kernels::copy(out, t);
  return out;
}
DimVector vec_sizes(const std::vector<int64_t>& v) { return {static_cast<int64_t>(v.size())}; }

}  // namespace

std::tuple<Tensor, Tensor> sort(const Tensor& a, int64_t dim_in, bool descending, std::optional<bool> stable) {
  const int64_t dim = wrap_dim(dim_in, a.dim());
  Tensor values = empty(a.sizes(), a.dtype()), indices = empty(a.sizes(), ScalarType::Int64);
  if (a.numel() > 0) kernels::sort(values, indices, a, dim, descending);
  if (auto node = make_node<sn::SortBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    node->save(kSelf, indices);
    node->stable_overload = stable.has_value();
    set_history(values, node);
  }
  return {values, indices};
}

Tensor argsort(const Tensor& a, int64_t dim, bool descending, std::optional<bool> stable) {
  AutoGradMode off(false);
  return std::get<1>(sort(a, dim, descending, stable));
}

std::tuple<Tensor, Tensor> topk(const Tensor& a, int64_t k, int64_t dim_in, bool largest, bool /*sorted*/) {
  const int64_t dim = wrap_dim(dim_in, a.dim());
  BIBUN_CHECK(k >= 0 && k <= size_at(a, dim), "selected index k out of range");
  BIBUN_CHECK(a.dtype() != ScalarType::Bool, "topk does not support bool dtypes on CPU");
  DimVector sizes = a.sizes();
  if (a.dim() > 0) sizes[dim] = k;
  Tensor values = empty(sizes, a.dtype()), indices = empty(sizes, ScalarType::Int64);
  if (values.numel() > 0) kernels::topk(values, indices, a, k, dim, largest);
  if (auto node = make_node<sn::TopkBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    node->save(kSelf, indices);
    set_history(values, node);
  }
  return {values, indices};
}

std::tuple<Tensor, Tensor> kthvalue(const Tensor& a, int64_t k, int64_t dim_in, bool keepdim) {
  const int64_t dim = wrap_dim(dim_in, a.dim());
  BIBUN_CHECK(k >= 1 && k <= size_at(a, dim), "kthvalue(): selected number k out of range for dimension ", dim);
  if (a.dtype() == ScalarType::Bool && a.dim() > 0)
    throw NotImplementedError("\"kthvalue_cpu\" not implemented for 'Bool'");
  Tensor values, indices;
  {
    AutoGradMode off(false);
    auto [v, i] = sort(a, dim, false, std::nullopt);
    if (a.dim() > 0) {
      v = fresh_copy(slice(v, dim, k - 1, k, 1));
      i = fresh_copy(slice(i, dim, k - 1, k, 1));
    }
    values = v;
    indices = i;
  }
  if (a.dim() > 0 && !keepdim) {
    DimVector sizes = a.sizes();
    sizes.erase(dim);
    auto drop = [&](const Tensor& t) {
      return Tensor(make_intrusive<TensorImpl>(t->storage(), t->offset(), sizes, contiguous_strides(sizes), t.dtype()));
    };
    values = drop(values);
    indices = drop(indices);
  }
  if (auto node = make_node<sn::KthvalueBackward0>({&a})) {
    node->self_sizes = a.sizes();
    node->dim = dim;
    node->keepdim = keepdim;
    Tensor kept = indices;
    if (a.dim() > 0 && !keepdim) {
      AutoGradMode off(false);
      kept = unsqueeze(indices, dim);
    }
    node->save(kSelf, kept);
    set_history(values, node);
  }
  return {values, indices};
}

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& a, std::optional<int64_t> dim_in, bool consecutive) {
  std::vector<int64_t> first, inverse, counts;
  Tensor values, inv;
  {
    AutoGradMode off(false);
    if (!dim_in) {
      Tensor flat = empty(a.sizes(), a.dtype());  // a's values in row-major order
      kernels::copy(flat, a);
      kernels::unique_rows(flat, a.numel(), 1, consecutive, first, inverse, counts);
      Tensor idx = int64_tensor(first, vec_sizes(first));
      values = empty({static_cast<int64_t>(first.size())}, a.dtype());
      Tensor flat1d(make_intrusive<TensorImpl>(flat->storage(), 0, DimVector{a.numel()}, DimVector{1}, a.dtype()));
      if (values.numel() > 0) kernels::gather_along(values, flat1d, 0, idx);
      inv = int64_tensor(inverse, a.sizes());
    } else {
      BIBUN_CHECK_T(IndexError, a.dim() > 0, "Dimension out of range (expected to be in range of [-1, 0], but got ",
                    *dim_in, ")");
      const int64_t dim = wrap_dim(*dim_in, a.dim());
      const int64_t rows = a.sizes()[dim];
      const int64_t width = rows == 0 ? 0 : a.numel() / rows;
      std::vector<int64_t> perm{dim};
      for (int64_t d = 0; d < a.dim(); ++d)
        if (d != dim) perm.push_back(d);
      Tensor moved = permute(a, perm);
      Tensor contig = empty(moved.sizes(), a.dtype());
      kernels::copy(contig, moved);
      kernels::unique_rows(contig, rows, width, consecutive, first, inverse, counts);
      Tensor idx = int64_tensor(first, vec_sizes(first));
      values = index_select_dim(a, dim, idx);
      inv = int64_tensor(inverse, {rows});
    }
  }
  Tensor cnt = int64_tensor(counts, vec_sizes(counts));
  if (auto node = make_node<sn::NotDifferentiableBackward>({&a})) {
    if (consecutive) {
      node->node_name = "UniqueConsecutiveBackward0";
      node->op_name = "unique_consecutive";
    } else if (dim_in) {
      node->node_name = "UniqueDimBackward0";
      node->op_name = "unique_dim";
    } else {
      node->node_name = "Unique2Backward0";
      node->op_name = "_unique2";
    }
    set_history(values, node);
  }
  return {values, inv, cnt};
}

}  // namespace bibun::ops
