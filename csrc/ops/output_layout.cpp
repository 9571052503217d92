// Note [Elementwise output layout] (ops/output_layout.h).
#include "ops/output_layout.h"

#include <vector>

#include "ops/ops.h"
#include "ops/write_checks.h"

namespace bibun::ops {

namespace {

// -1: d0 is the faster-moving dim, 1: d1 is, 0: no operand tells (a stride of 0 tells nothing).
int compare_dims(const std::vector<DimVector>& operands, const DimVector& shape, int64_t d0, int64_t d1) {
  for (const DimVector& strides : operands) {
    int64_t s0 = strides[d0], s1 = strides[d1];
    if (s0 == 0 || s1 == 0) continue;
    if (s0 < s1) return -1;
    if (s0 > s1) return 1;
    if (shape[d0] > shape[d1]) return 1;  // equal strides: the smaller dim goes inside
  }
  return 0;
}

// The dims of `shape` from innermost to outermost as the operands' strides order them: the
// row-major order, insertion-sorted, leaving dims no operand orders where they are.
std::vector<int64_t> dim_order(const std::vector<DimVector>& operands, const DimVector& shape) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  std::vector<int64_t> perm(nd);
  for (int64_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  for (int64_t i = 1; i < nd; ++i) {
    int64_t d1 = i;
    for (int64_t d0 = i - 1; d0 >= 0; --d0) {
      int c = compare_dims(operands, shape, perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  return perm;
}

bool is_row_major(const std::vector<int64_t>& perm) {
  const int64_t nd = static_cast<int64_t>(perm.size());
  for (int64_t j = 0; j < nd; ++j)
    if (perm[j] != nd - 1 - j) return false;
  return true;
}

// Dense strides of `t`'s shape in `t`'s dim order (PyTorch's infer_dense_strides, what `.to()`
// gives a tensor with gaps or repeats).
DimVector dense_strides_like(const Tensor& t) {
  std::vector<int64_t> perm = dim_order({t.strides()}, t.sizes());
  DimVector strides(t.sizes().size());
  int64_t next = 1;
  for (int64_t d : perm) {
    strides[d] = next;
    if (t.sizes()[d] > 1) next *= t.sizes()[d];
  }
  return strides;
}

// An input's strides aligned to the result's dims, 0 where it is broadcast.
DimVector aligned_strides(const Tensor& t, const DimVector& shape, std::optional<ScalarType> compute) {
  const int64_t offset = static_cast<int64_t>(shape.size()) - t.dim();
  bool converted = compute && *compute != t.dtype() && !is_non_overlapping_and_dense(t);
  DimVector own = converted ? dense_strides_like(t) : t.strides();
  DimVector out(shape.size(), int64_t{0});
  for (int64_t d = 0; d < t.dim(); ++d)
    out[offset + d] = (t.sizes()[d] == 1 && shape[offset + d] != 1) ? 0 : own[d];
  return out;
}

Tensor allocate_strided(const DimVector& shape, const DimVector& strides, ScalarType dtype) {
  return Tensor(make_intrusive<TensorImpl>(Storage::allocate(numel_of(shape) * itemsize(dtype)), 0, shape, strides,
                                           dtype));
}

}  // namespace

Tensor empty_elementwise(const DimVector& shape, ScalarType dtype, std::initializer_list<const Tensor*> inputs,
                         std::optional<ScalarType> compute) {
  const int64_t nd = static_cast<int64_t>(shape.size());
  bool all_contiguous = true;
  for (const Tensor* t : inputs) all_contiguous &= !t->defined() || t->is_contiguous();
  // Non-empty contiguous inputs order the dims row-major whatever their shapes.
  if (nd <= 1 || (all_contiguous && numel_of(shape) != 0)) return empty(shape, dtype);
  bool all_same_shape = true;
  for (const Tensor* t : inputs) all_same_shape &= !t->defined() || t->sizes() == shape;
  if (all_contiguous && all_same_shape) return empty(shape, dtype);

  if (all_same_shape) {  // one dense layout shared by all inputs is kept
    const Tensor* first = nullptr;
    bool same_layout = true;
    for (const Tensor* t : inputs) {
      if (!t->defined()) continue;
      if (!is_non_overlapping_and_dense(*t) || (first && t->strides() != first->strides())) {
        same_layout = false;
        break;
      }
      if (!first) first = t;
    }
    if (same_layout && first) return allocate_strided(shape, first->strides(), dtype);
  }

  std::vector<DimVector> operands;
  operands.reserve(inputs.size());
  for (const Tensor* t : inputs)
    if (t->defined()) operands.push_back(aligned_strides(*t, shape, compute));
  std::vector<int64_t> perm = dim_order(operands, shape);
  if (is_row_major(perm)) return empty(shape, dtype);
  DimVector strides(shape.size());
  int64_t next = 1;
  for (int64_t d : perm) {
    strides[d] = next;
    next *= shape[d];
  }
  return allocate_strided(shape, strides, dtype);
}

}  // namespace bibun::ops
