// Helpers shared by the op files: allocation, dtype casts without autograd, node creation.
#pragma once
#include <memory>

#include "autograd/formulas/nodes.h"
#include "autograd/variable.h"
#include "kernels/kernels.h"
#include "ops/ops.h"

namespace bibun::ops {

// `t` converted to `dtype` without recording (a kernel copy), or `t` itself.
inline Tensor cast_data(const Tensor& t, ScalarType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.sizes(), dtype);
  kernels::copy(out, t);
  return out;
}

// An input of kernels::binary's arithmetic: cast to `dtype`, except a single element, which the
// kernel converts without a new tensor (Note [Scalar operands] in kernels/loop_helpers.h).
inline Tensor cast_operand(const Tensor& t, ScalarType dtype) {
  return t.numel() == 1 ? t : cast_data(t, dtype);
}

// add/sub's alpha against the result dtype, with PyTorch's texts.
inline void check_alpha(Scalar alpha, ScalarType dtype) {
  BIBUN_CHECK(!alpha.is_floating() || is_floating(dtype),
              "For integral input tensors, argument alpha must not be a floating point number.");
  BIBUN_CHECK(alpha.kind() != Scalar::Kind::Bool || dtype == ScalarType::Bool,
              "Boolean alpha only supported for Boolean results.");
}

// A node of type N wired to `inputs` when the op must be recorded, else nullptr.
template <typename N>
std::shared_ptr<N> make_node(std::initializer_list<const Tensor*> inputs) {
  if (!compute_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>();
  node->set_next_edges(collect_next_edges(inputs));
  return node;
}

// Floating ops on integer and bool inputs compute in the default float dtype (torch.exp(int)).
inline ScalarType float_type_for(const Tensor& a) { return is_floating(a.dtype()) ? a.dtype() : default_dtype(); }

// PyTorch's rule for writing a result of dtype `from` into a tensor of dtype `to`.
bool can_cast(ScalarType from, ScalarType to);

// The checks of every in-place write through `self` (ops/inplace.cpp): not a leaf that
// requires grad, the result castable to self's dtype, each defined `other` broadcastable to
// self's shape, and no internal overlap unless the op writes one value everywhere.
void check_inplace_write(const Tensor& self, std::initializer_list<const Tensor*> others, ScalarType result_dtype,
                         bool allow_overlap = false);

inline std::vector<int64_t> wrap_dims(const std::vector<int64_t>& dims, int64_t ndim) {
  std::vector<int64_t> out;
  std::vector<bool> seen(std::max<int64_t>(ndim, 1), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, ndim);
    BIBUN_CHECK(!seen[w], "dim ", w, " appears multiple times in the list of dims");
    seen[w] = true;
    out.push_back(w);
  }
  return out;
}

}  // namespace bibun::ops
