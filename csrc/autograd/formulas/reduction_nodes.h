// Backward nodes of the reductions with dim (formulas/reduction.cpp), named as PyTorch names them.
// Slots as in nodes.h: kSelf, kOther, kResult, kExtra (indices).
#pragma once
#include <string>
#include <vector>

#include "autograd/formulas/nodes.h"

namespace bibun {

#define BIBUN_REDUCTION_NODE(Type, Name, ...)           \
  struct Type : FormulaNode {                           \
    std::string name() const override { return #Name; } \
    tensor_list apply(tensor_list&& grads) override;    \
    __VA_ARGS__                                         \
  };

struct ReducedDims {
  std::vector<int64_t> dims;
  bool keepdim = false;
};

BIBUN_REDUCTION_NODE(ProdBackward0, ProdBackward0, )                           // self, result
BIBUN_REDUCTION_NODE(ProdBackward1, ProdBackward1, int64_t dim; bool keepdim;)  // self, result
BIBUN_REDUCTION_NODE(AmaxBackward0, AmaxBackward0, ReducedDims r;)             // self, result
BIBUN_REDUCTION_NODE(AminBackward0, AminBackward0, ReducedDims r;)             // self, result
// Whole-tensor max/min/median: the gradient is shared evenly by the elements equal to the result.
BIBUN_REDUCTION_NODE(AminmaxBackward0, AminmaxBackward0, ReducedDims r;)  // self, min, max (kOther)
BIBUN_REDUCTION_NODE(MaxBackward1, MaxBackward1, )     // self, result
BIBUN_REDUCTION_NODE(MinBackward1, MinBackward1, )     // self, result
BIBUN_REDUCTION_NODE(MedianBackward0, MedianBackward0, )  // self, result
// With dim: the gradient goes to the selected index.
#define BIBUN_SELECT_FIELDS DimVector self_sizes; int64_t dim; bool keepdim;
BIBUN_REDUCTION_NODE(MaxBackward0, MaxBackward0, BIBUN_SELECT_FIELDS)        // indices
BIBUN_REDUCTION_NODE(MinBackward0, MinBackward0, BIBUN_SELECT_FIELDS)        // indices
BIBUN_REDUCTION_NODE(MedianBackward1, MedianBackward1, BIBUN_SELECT_FIELDS)  // indices
BIBUN_REDUCTION_NODE(ModeBackward0, ModeBackward0, BIBUN_SELECT_FIELDS)      // indices
BIBUN_REDUCTION_NODE(CummaxBackward0, CummaxBackward0, BIBUN_SELECT_FIELDS)  // indices
BIBUN_REDUCTION_NODE(CumminBackward0, CumminBackward0, BIBUN_SELECT_FIELDS)  // indices
#undef BIBUN_SELECT_FIELDS
// at::norm(self, p, dim, keepdim) as C++ callers of PyTorch record it (pairwise_distance); the
// formula is linalg_vector_norm's (same saved self/result, p, dims, keepdim).
struct NormBackward1 : LinalgVectorNormBackward0 {
  std::string name() const override { return "NormBackward1"; }
};
BIBUN_REDUCTION_NODE(VarBackward0, VarBackward0, ReducedDims r; double correction;)          // self
BIBUN_REDUCTION_NODE(StdBackward0, StdBackward0, ReducedDims r; double correction;)          // self, result
BIBUN_REDUCTION_NODE(VarMeanBackward0, VarMeanBackward0, ReducedDims r; double correction;)  // self
BIBUN_REDUCTION_NODE(StdMeanBackward0, StdMeanBackward0, ReducedDims r; double correction;)  // self, result (std)
BIBUN_REDUCTION_NODE(LogsumexpBackward0, LogsumexpBackward0, ReducedDims r;)                 // self, result
BIBUN_REDUCTION_NODE(NansumBackward0, NansumBackward0, ReducedDims r;)                       // self
BIBUN_REDUCTION_NODE(CumsumBackward0, CumsumBackward0, int64_t dim; ScalarType self_dtype;)
BIBUN_REDUCTION_NODE(CumprodBackward0, CumprodBackward0, int64_t dim; ScalarType self_dtype;)  // self, result

#undef BIBUN_REDUCTION_NODE

}  // namespace bibun
