// Backward nodes of the advanced-indexing family (ops/indexing.cpp), named as PyTorch names them.
// Their own namespace keeps them apart from nodes of other families with the same PyTorch name.
// Index tensors are saved (version-checked, released after backward) like any saved input.
#pragma once
#include <string>
#include <vector>

#include "autograd/formula_node.h"
#include "tensor/scalar.h"

namespace bibun::indexing_nodes {

// A FormulaNode that also keeps a list of optional index tensors (undefined = a whole dim).
struct IndexListNode : FormulaNode {
  void save_indices(const std::vector<Tensor>& indices) {
    indices_.clear();
    for (const Tensor& t : indices) indices_.emplace_back(t.defined() ? SavedTensor(t, false) : SavedTensor());
  }
  std::vector<Tensor> indices() {
    std::vector<Tensor> out;
    for (const SavedTensor& s : indices_) out.push_back(s.unpack(shared_from_this()));
    return out;
  }
  void release_saved() override {
    FormulaNode::release_saved();
    for (auto& s : indices_) s.release();
  }

 private:
  std::vector<SavedTensor> indices_;
};

#define BIBUN_INDEX_NODE(Struct, Base, Name, ...)         \
  struct Struct : Base {                                  \
    std::string name() const override { return Name; }    \
    tensor_list apply(tensor_list&& grads) override;      \
    __VA_ARGS__                                           \
  };

// Saved slots: kOther holds the index (or mask) tensor of the single-index ops.
BIBUN_INDEX_NODE(IndexBackward0, IndexListNode, "IndexBackward0", DimVector self_sizes;)
BIBUN_INDEX_NODE(IndexPutBackward0, IndexListNode, "IndexPutBackward0", DimVector values_sizes; bool accumulate;)
BIBUN_INDEX_NODE(GatherBackward0, FormulaNode, "GatherBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_INDEX_NODE(ScatterBackward0, FormulaNode, "ScatterBackward0", int64_t dim;)
BIBUN_INDEX_NODE(ScatterBackward1, FormulaNode, "ScatterBackward1", int64_t dim;)
// scatter with reduce= has no derivative in PyTorch: its node raises when reached.
BIBUN_INDEX_NODE(ScatterReduceNotImplemented, FormulaNode, "torch::autograd::NotImplemented", )
BIBUN_INDEX_NODE(ScatterAddBackward0, FormulaNode, "ScatterAddBackward0", int64_t dim;)
BIBUN_INDEX_NODE(IndexSelectBackward0, FormulaNode, "IndexSelectBackward0", DimVector self_sizes; int64_t dim;)
BIBUN_INDEX_NODE(IndexAddBackward0, FormulaNode, "IndexAddBackward0", int64_t dim; Scalar alpha;
                 DimVector source_sizes;)
BIBUN_INDEX_NODE(IndexFillBackward0, FormulaNode, "IndexFillBackward0", int64_t dim;)
BIBUN_INDEX_NODE(IndexFillBackward1, FormulaNode, "IndexFillBackward1", int64_t dim;)
BIBUN_INDEX_NODE(FillBackward3, FormulaNode, "FillBackward3", )
BIBUN_INDEX_NODE(IndexCopyBackward0, FormulaNode, "IndexCopyBackward0", int64_t dim; DimVector source_sizes;)
BIBUN_INDEX_NODE(MaskedFillBackward1, FormulaNode, "MaskedFillBackward1", )
BIBUN_INDEX_NODE(MaskedSelectBackward0, FormulaNode, "MaskedSelectBackward0", DimVector self_sizes;)
BIBUN_INDEX_NODE(MaskedScatterBackward0, FormulaNode, "MaskedScatterBackward0", DimVector self_sizes;
                 DimVector source_sizes;)
BIBUN_INDEX_NODE(TakeBackward0, FormulaNode, "TakeBackward0", DimVector self_sizes;)

#undef BIBUN_INDEX_NODE

}  // namespace bibun::indexing_nodes
