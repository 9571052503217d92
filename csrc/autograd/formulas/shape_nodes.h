// Backward nodes of the shape ops (ops/shape.cpp, ops/sort.cpp), named as PyTorch names them.
// They live in their own namespace so that a node another family also defines under the same
// PyTorch name (IndexSelectBackward0, ...) is a different C++ type.
#pragma once
#include <vector>

#include "autograd/formula_node.h"

namespace bibun::shape_nodes {

#define BIBUN_SHAPE_NODE(Struct, Name, ...)               \
  struct Struct : FormulaNode {                           \
    std::string name() const override { return Name; }    \
    tensor_list apply(tensor_list&& grads) override;      \
    __VA_ARGS__                                           \
  };

BIBUN_SHAPE_NODE(FlipBackward0, "FlipBackward0", std::vector<int64_t> dims;)
BIBUN_SHAPE_NODE(RollBackward0, "RollBackward0", std::vector<int64_t> shifts; std::vector<int64_t> dims;)
BIBUN_SHAPE_NODE(Rot90Backward0, "Rot90Backward0", int64_t k; std::vector<int64_t> dims;)
BIBUN_SHAPE_NODE(TrilBackward0, "TrilBackward0", int64_t k;)
BIBUN_SHAPE_NODE(TriuBackward0, "TriuBackward0", int64_t k;)
BIBUN_SHAPE_NODE(DiagonalBackward0, "DiagonalBackward0", DimVector self_sizes; int64_t offset; int64_t dim1;
                 int64_t dim2;)
// diag() of a matrix: a copy of its diagonal.
BIBUN_SHAPE_NODE(DiagonalCopyBackward0, "DiagonalBackward0_copy", DimVector self_sizes; int64_t offset;)
BIBUN_SHAPE_NODE(DiagonalBackwardBackward0, "DiagonalBackwardBackward0", int64_t offset; int64_t dim1; int64_t dim2;)
BIBUN_SHAPE_NODE(DiagEmbedBackward0, "DiagEmbedBackward0", int64_t offset; int64_t dim1; int64_t dim2;)
BIBUN_SHAPE_NODE(TraceBackward0, "TraceBackward0", DimVector self_sizes;)
BIBUN_SHAPE_NODE(RepeatBackward0, "RepeatBackward0", DimVector self_sizes; std::vector<int64_t> repeats;)
BIBUN_SHAPE_NODE(SqueezeBackward2, "SqueezeBackward2", DimVector self_sizes; std::vector<int64_t> dims;)
BIBUN_SHAPE_NODE(SplitBackward0, "SplitBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_SHAPE_NODE(SplitWithSizesBackward0, "SplitWithSizesBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_SHAPE_NODE(UnbindBackward0, "UnbindBackward0", int64_t dim;)
// Saved: kSelf = indices (of the values, in the values' layout).
BIBUN_SHAPE_NODE(SortBackward0, stable_overload ? "SortBackward1" : "SortBackward0", DimVector self_sizes;
                 int64_t dim; bool stable_overload = false;)
BIBUN_SHAPE_NODE(TopkBackward0, "TopkBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_SHAPE_NODE(KthvalueBackward0, "KthvalueBackward0", DimVector self_sizes; int64_t dim; bool keepdim;)
// Gather/scatter-add along a dim, each the other's backward; saved kSelf = index.
BIBUN_SHAPE_NODE(GatherDimBackward0, "GatherBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_SHAPE_NODE(ScatterAddDimBackward0, "ScatterAddBackward0", int64_t dim;)
// index_select as repeat_interleave uses it; saved kSelf = the index expanded to the output.
BIBUN_SHAPE_NODE(IndexSelectBackward0, "IndexSelectBackward0", DimVector self_sizes; int64_t dim;)
// The in-place metadata ops (squeeze_, unsqueeze_, transpose_): PyTorch's names for their overloads.
BIBUN_SHAPE_NODE(UnsqueezeBackward1, "UnsqueezeBackward1", int64_t dim;)
BIBUN_SHAPE_NODE(SqueezeInplaceAllBackward, "SqueezeBackward3", DimVector self_sizes;)
BIBUN_SHAPE_NODE(SqueezeInplaceDimsBackward, dims_overload ? "SqueezeBackward5" : "SqueezeBackward4",
                 DimVector self_sizes; std::vector<int64_t> dims; bool dims_overload = false;)
BIBUN_SHAPE_NODE(TransposeBackward1, "TransposeBackward1", int64_t dim0; int64_t dim1;)
// unique has no derivative in PyTorch: backward raises.
BIBUN_SHAPE_NODE(NotDifferentiableBackward, node_name, std::string node_name; std::string op_name;)

#undef BIBUN_SHAPE_NODE

}  // namespace bibun::shape_nodes
