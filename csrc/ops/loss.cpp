// Loss functions of torch.nn.functional that live in the core.
#include "ops/common.h"

namespace bibun::ops {

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  BIBUN_CHECK_T(ValueError, input.sizes() == target.sizes(), "Target size (", size_str(target.sizes()),
                ") must be the same as input size (", size_str(input.sizes()), ")");
  ScalarType dtype = input.dtype();
  BIBUN_CHECK(is_floating(dtype), "\"binary_cross_entropy_with_logits\" not implemented for '", c_type_name(dtype), "'");
  Tensor pw = pos_weight.defined() ? cast_data(pos_weight, dtype) : Tensor();
  Tensor loss = empty(input.sizes(), dtype);
  if (pw.defined()) kernels::broadcast_shapes(input.sizes(), pw.sizes());
  kernels::bce_with_logits(loss, input, cast_data(target, dtype), pw);
  if (weight.defined()) {
    DimVector shape = kernels::broadcast_shapes(loss.sizes(), weight.sizes());
    Tensor weighted = empty(shape, dtype);
    kernels::binary(kernels::BinaryOp::Mul, weighted, loss, cast_data(weight, dtype));
    loss = weighted;
  }
  Tensor out = loss;
  if (reduction != Reduction::None) {
    AutoGradMode no_grad(false);
    out = reduction == Reduction::Mean ? mean(loss, {}, false, std::nullopt) : sum(loss, {}, false, std::nullopt);
  }
  if (auto node = make_node<BinaryCrossEntropyWithLogitsBackward0>({&input, &target})) {
    node->reduction = static_cast<int>(reduction);
    node->save(kSelf, input);
    node->save(kOther, target);
    node->save(kResult, weight);
    node->save(kExtra, pos_weight);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
