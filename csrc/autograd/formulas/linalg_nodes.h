// Backward nodes of the linear algebra (ops/linalg.h), named as PyTorch names them; formulas in
// formulas/linalg.cpp. A namespace of their own keeps them distinct C++ types from nodes of other
// families (addmm in nn_ops has its own AddmmBackward0 without beta/alpha).
#pragma once
#include <vector>

#include "autograd/formula_node.h"
#include "tensor/scalar.h"

namespace bibun::linalg_nodes {

#define BIBUN_LINALG_NODE(Struct, ...)                     \
  struct Struct : FormulaNode {                            \
    std::string name() const override { return #Struct; }  \
    tensor_list apply(tensor_list&& grads) override;       \
    __VA_ARGS__                                            \
  };

// Saved: kSelf = self (batch1), kOther = mat2 (batch2), as each other's gradient needs them.
BIBUN_LINALG_NODE(BmmBackward0, )
BIBUN_LINALG_NODE(BaddbmmBackward0, DimVector self_sizes; Scalar beta; Scalar alpha;)
BIBUN_LINALG_NODE(AddbmmBackward0, DimVector self_sizes; int64_t batches; Scalar beta; Scalar alpha;)
BIBUN_LINALG_NODE(AddmmBackward0, DimVector self_sizes; Scalar beta; Scalar alpha; bool mat1_col_major = false;
                  bool mat2_col_major = false;)  // layouts as in MmBackward0
BIBUN_LINALG_NODE(AddmvBackward0, DimVector self_sizes; Scalar beta; Scalar alpha;)
BIBUN_LINALG_NODE(VdotBackward0, )
BIBUN_LINALG_NODE(LinalgCrossBackward0, DimVector self_sizes; DimVector other_sizes; int64_t dim;)
// Saved: kSelf = A, kResult = det.
BIBUN_LINALG_NODE(LinalgDetBackward0, )
// Saved: kResult = A^-1.
BIBUN_LINALG_NODE(LinalgInvExBackward0, )
// Saved: kSelf = A, kResult = X. left: A X = B, else X A = B.
BIBUN_LINALG_NODE(LinalgSolveExBackward0, DimVector self_sizes; DimVector other_sizes; bool vector_case;
                  bool left = true;)
// Saved: kResult = the factor (L, or U = L^T when upper).
BIBUN_LINALG_NODE(LinalgCholeskyExBackward0, bool upper;)
BIBUN_LINALG_NODE(CholeskyBackward0, bool upper;)
// linalg_svd (and svdvals): saved outputs kSelf = U, kOther = S, kResult = Vh. Gradients of
// outputs nobody used stay undefined (the svdvals case needs no division by gaps of S).
BIBUN_LINALG_NODE(LinalgSvdBackward0, bool full_matrices = false;
                  bool materialize_grads() const override { return false; })

#undef BIBUN_LINALG_NODE

}  // namespace bibun::linalg_nodes
