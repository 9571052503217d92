// Activations (relu, celu) and where.
#include "ops/common.h"

namespace bibun::ops {

Tensor relu(const Tensor& a) {
  BIBUN_CHECK_T(NotImplementedError, a.dtype() != ScalarType::Bool, "\"clamp_min_scalar_cpu\" not implemented for 'Bool'");
  // x < 0 ? 0 : x keeps -0.0 and NaN as they are (PyTorch's clamp_min).
  Tensor zero = scalar_tensor(Scalar(int64_t{0}), a.dtype());
  Tensor negative = empty(a.sizes(), ScalarType::Bool);
  kernels::binary(kernels::BinaryOp::Lt, negative, a, zero);
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::masked_fill(out, a, negative, Scalar(int64_t{0}));
  if (auto node = make_node<ReluBackward0>({&a})) {
    set_history(out, node);
    node->save(kResult, out, true);
  }
  return out;
}

Tensor celu(const Tensor& a, Scalar alpha) {
  BIBUN_CHECK(alpha.to_double() != 0.0, "ZeroDivisionError");
  Tensor out = empty(a.sizes(), a.dtype());
  kernels::celu(out, a, alpha.to_double());
  if (auto node = make_node<CeluBackward0>({&a})) {
    node->alpha = alpha;
    node->save(kSelf, a);
    set_history(out, node);
  }
  return out;
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  BIBUN_CHECK(condition.dtype() == ScalarType::Bool, "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              c_type_name(condition.dtype()));
  ScalarType dtype = result_type(a, b);
  DimVector shape = kernels::broadcast_shapes(condition.sizes(), kernels::broadcast_shapes(a.sizes(), b.sizes()));
  Tensor out = empty(shape, dtype);
  kernels::where(out, condition, cast_data(a, dtype), cast_data(b, dtype));
  if (auto node = make_node<WhereBackward0>({&a, &b})) {
    node->save(kExtra, condition);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
