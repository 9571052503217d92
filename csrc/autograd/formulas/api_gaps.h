// Backward nodes of the ops of ops/api_gaps.h (formulas/api_gaps.cpp), named as PyTorch names them.
#pragma once
#include "autograd/formulas/nodes.h"

namespace bibun {

#define BIBUN_API_GAPS_NODE(Name, ...)                  \
  struct Name : FormulaNode {                           \
    std::string name() const override { return #Name; } \
    tensor_list apply(tensor_list&& grads) override;    \
    __VA_ARGS__                                         \
  };

BIBUN_API_GAPS_NODE(ClampMinBackward0, Scalar min;)  // self
BIBUN_API_GAPS_NODE(ClampMinBackward1, )             // self, min (kOther)
BIBUN_API_GAPS_NODE(ClampMaxBackward0, Scalar max;)  // self
BIBUN_API_GAPS_NODE(ClampMaxBackward1, )             // self, max (kOther)
BIBUN_API_GAPS_NODE(RsubBackward0, Scalar alpha; DimVector self_sizes; DimVector other_sizes;)
BIBUN_API_GAPS_NODE(LogaddexpBackward0, )            // self, other
BIBUN_API_GAPS_NODE(SincBackward0, )                 // self
BIBUN_API_GAPS_NODE(DistBackward0, double p;)        // self, other, result
BIBUN_API_GAPS_NODE(CdistBackward0, double p;)       // x1 (kSelf), x2 (kOther), result
BIBUN_API_GAPS_NODE(LogcumsumexpBackward0, int64_t dim;)  // self, result
// normal(mean, std) with tensor mean (1), tensor std (2) or both (3): PyTorch gives zero gradients.
BIBUN_API_GAPS_NODE(NormalBackward1, DimVector mean_sizes;)
BIBUN_API_GAPS_NODE(NormalBackward2, DimVector std_sizes;)
BIBUN_API_GAPS_NODE(NormalBackward3, DimVector mean_sizes; DimVector std_sizes;)
// bernoulli(input) of probabilities: a zero gradient, as in PyTorch.
BIBUN_API_GAPS_NODE(BernoulliBackward0, DimVector self_sizes;)

#undef BIBUN_API_GAPS_NODE

}  // namespace bibun
