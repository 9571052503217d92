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

// A node of type N wired to `inputs` when the op must be recorded, else nullptr.
template <typename N>
std::shared_ptr<N> make_node(std::initializer_list<const Tensor*> inputs) {
  if (!compute_requires_grad(inputs)) return nullptr;
  auto node = std::make_shared<N>();
  node->set_next_edges(collect_next_edges(inputs));
  return node;
}

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
