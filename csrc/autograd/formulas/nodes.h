// The built-in backward nodes, named as PyTorch names them. Each saves only what its
// formula (formulas/*.cpp, same family name) uses. Slots: kSelf/kOther/kResult/...
#pragma once
#include <vector>

#include "autograd/formula_node.h"
#include "tensor/scalar.h"

namespace bibun {

#define BIBUN_NODE(Name, ...)                                  \
  struct Name : FormulaNode {                                  \
    std::string name() const override { return #Name; }        \
    tensor_list apply(tensor_list&& grads) override;           \
    __VA_ARGS__                                                \
  };

enum SavedSlot : size_t { kSelf = 0, kOther = 1, kResult = 2, kExtra = 3 };

// formulas/arithmetic.cpp
BIBUN_NODE(AddBackward0, Scalar alpha;)
BIBUN_NODE(SubBackward0, Scalar alpha;)
BIBUN_NODE(RsubBackward1, Scalar alpha;)
BIBUN_NODE(MulBackward0, )
BIBUN_NODE(DivBackward0, )
BIBUN_NODE(PowBackward0, Scalar exponent;)
BIBUN_NODE(PowBackward1, )
BIBUN_NODE(PowBackward2, Scalar base;)
BIBUN_NODE(NegBackward0, )
BIBUN_NODE(ExpBackward0, )
BIBUN_NODE(LogBackward0, )
BIBUN_NODE(SigmoidBackward0, )
BIBUN_NODE(LogSigmoidBackward0, )
BIBUN_NODE(AbsBackward0, )
BIBUN_NODE(SignBackward0, )
BIBUN_NODE(SqrtBackward0, )
BIBUN_NODE(ReciprocalBackward0, )
BIBUN_NODE(MaskedFillBackward0, )
BIBUN_NODE(ZeroBackward0, )
BIBUN_NODE(FillBackward2, )
BIBUN_NODE(CloneBackward0, )
BIBUN_NODE(ToCopyBackward0, ScalarType self_dtype;)

// formulas/reduction.cpp
BIBUN_NODE(SumBackward0, DimVector self_sizes;)
BIBUN_NODE(SumBackward1, DimVector self_sizes; std::vector<int64_t> dims; bool keepdim;)
BIBUN_NODE(MeanBackward0, DimVector self_sizes; int64_t count;)
BIBUN_NODE(MeanBackward1, DimVector self_sizes; std::vector<int64_t> dims; bool keepdim; int64_t count;)
BIBUN_NODE(LinalgVectorNormBackward0, double p; std::vector<int64_t> dims; bool keepdim;)

// formulas/linalg.cpp
// mat1/mat2 column-major (PyTorch's test: strides (1, rows)); their gradients are then computed
// transposed so that they come out in the same layout (see mm_mat1_grad in formulas/linalg.cpp).
BIBUN_NODE(MmBackward0, bool mat1_col_major = false; bool mat2_col_major = false;)
BIBUN_NODE(MvBackward0, )
BIBUN_NODE(DotBackward0, )

// formulas/view.cpp
BIBUN_NODE(ExpandBackward0, DimVector self_sizes;)
BIBUN_NODE(UnsqueezeBackward0, int64_t dim;)
BIBUN_NODE(SqueezeBackward1, DimVector self_sizes; int64_t dim;)
// matmul's vector @ matrix squeezes its result in place, which PyTorch names SqueezeBackward4.
BIBUN_NODE(SqueezeBackward4, DimVector self_sizes; int64_t dim;)
BIBUN_NODE(TransposeBackward0, int64_t dim0; int64_t dim1;)
BIBUN_NODE(TBackward0, )
BIBUN_NODE(TBackward1, )

BIBUN_NODE(ViewBackward0, DimVector self_sizes;)
BIBUN_NODE(UnsafeViewBackward0, DimVector self_sizes;)
BIBUN_NODE(ReshapeAliasBackward0, DimVector self_sizes;)
BIBUN_NODE(AliasBackward0, )
BIBUN_NODE(PermuteBackward0, std::vector<int64_t> dims;)
BIBUN_NODE(SqueezeBackward0, DimVector self_sizes;)
BIBUN_NODE(SelectBackward0, DimVector self_sizes; int64_t dim; int64_t index;)
BIBUN_NODE(SliceBackward0, DimVector self_sizes; int64_t dim; int64_t start; int64_t end; int64_t step;)
BIBUN_NODE(SelectBackwardBackward0, int64_t dim; int64_t index;)
BIBUN_NODE(SliceBackwardBackward0, int64_t dim; int64_t start; int64_t end; int64_t step;)
// copy_: a hand-written node in PyTorch, so its name carries the C++ namespace (as AccumulateGrad's).
struct CopyBackwards : FormulaNode {
  std::string name() const override { return "torch::autograd::CopyBackwards"; }
  tensor_list apply(tensor_list&& grads) override;
};

// formulas/join.cpp
BIBUN_NODE(CatBackward0, int64_t dim; std::vector<int64_t> lengths; std::vector<DimVector> shapes;)
BIBUN_NODE(StackBackward0, int64_t dim; size_t count;)

// formulas/activation.cpp
BIBUN_NODE(ReluBackward0, )
BIBUN_NODE(CeluBackward0, Scalar alpha;)
BIBUN_NODE(WhereBackward0, )

// formulas/loss.cpp
BIBUN_NODE(BinaryCrossEntropyWithLogitsBackward0, int reduction;)

#undef BIBUN_NODE

}  // namespace bibun
