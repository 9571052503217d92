// Backward nodes of the nn ops (formulas/nn_ops.cpp), named as PyTorch names them.
// Slots as in nodes.h: kSelf, kOther, kResult, kExtra.
#pragma once
#include "autograd/formulas/nodes.h"
#include "tensor/dim_vector.h"

namespace bibun {

#define BIBUN_NN_NODE(Name, ...)                        \
  struct Name : FormulaNode {                           \
    std::string name() const override { return #Name; } \
    tensor_list apply(tensor_list&& grads) override;    \
    __VA_ARGS__                                         \
  };

BIBUN_NN_NODE(SoftmaxBackward0, int64_t dim;)     // result
BIBUN_NN_NODE(LogSoftmaxBackward0, int64_t dim;)  // result
// target (kOther), weight (kExtra); the coefficient of the input's gradient is rebuilt from them.
BIBUN_NN_NODE(NllLossBackward0, DimVector self_sizes; int reduction; int64_t ignore_index; double total_weight;)
BIBUN_NN_NODE(MseLossBackward0, int reduction;)                 // self, target
BIBUN_NN_NODE(BinaryCrossEntropyBackward0, int reduction;)      // self, target, weight (kExtra)
BIBUN_NN_NODE(AddmmBackward0, DimVector self_sizes;)            // mat1 (kSelf), mat2 (kOther)

#undef BIBUN_NN_NODE

}  // namespace bibun
