// Backward nodes of the binary elementwise family (ops/binary.cpp), named as PyTorch names
// them; formulas in formulas/binary.cpp. Slots as in nodes.h (kSelf/kOther/kResult/kExtra).
#pragma once
#include <string>

#include "autograd/formulas/nodes.h"

namespace bibun {

#define BIBUN_BINARY_NODE(Name, ...)                           \
  struct Name : FormulaNode {                                  \
    std::string name() const override { return #Name; }        \
    tensor_list apply(tensor_list&& grads) override;           \
    __VA_ARGS__                                                \
  };

// div with rounding_mode: zero gradients for trunc/floor; true division's for an explicit None.
BIBUN_BINARY_NODE(DivBackward2, bool true_division = false;)
// div.Scalar (ops::div_scalar): grad / other, other a number.
BIBUN_BINARY_NODE(DivBackward1, Scalar other;)
BIBUN_BINARY_NODE(RemainderBackward0, )
BIBUN_BINARY_NODE(RemainderBackward1, )
BIBUN_BINARY_NODE(FmodBackward0, )
BIBUN_BINARY_NODE(FmodBackward1, )
BIBUN_BINARY_NODE(Atan2Backward0, )
BIBUN_BINARY_NODE(MaximumBackward0, )
BIBUN_BINARY_NODE(MinimumBackward0, )
BIBUN_BINARY_NODE(FmaxBackward0, )
BIBUN_BINARY_NODE(FminBackward0, )
BIBUN_BINARY_NODE(HypotBackward0, )
BIBUN_BINARY_NODE(XlogyBackward0, )
BIBUN_BINARY_NODE(XlogyBackward1, )  // Python number as self
BIBUN_BINARY_NODE(XlogyBackward2, )  // Python number as other
BIBUN_BINARY_NODE(LerpBackward0, Scalar weight;)
BIBUN_BINARY_NODE(LerpBackward1, )
BIBUN_BINARY_NODE(AddcmulBackward0, Scalar value;)
BIBUN_BINARY_NODE(AddcdivBackward0, Scalar value;)

#undef BIBUN_BINARY_NODE

// PyTorch's node for an op with no derivative formula (floor_divide, remainder of a number
// by a tensor): recorded so the result requires grad; backward raises.
struct NotImplementedBackward : FormulaNode {
  std::string op;
  std::string name() const override { return "torch::autograd::NotImplemented"; }
  tensor_list apply(tensor_list&& grads) override;
};

// An op whose derivative is zero for every input, under the name PyTorch gives it
// (in-place comparisons: EqBackward0 with a number, EqBackward1 with a tensor, ...).
struct ZeroGradBackward : FormulaNode {
  std::string node_name;
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&& grads) override;
};

}  // namespace bibun
