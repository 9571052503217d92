// Backward nodes of the nn ops (formulas/nn_ops.cpp), named as PyTorch names them.
// Slots as in nodes.h: kSelf, kOther, kResult, kExtra.
#pragma once
#include "autograd/formulas/nodes.h"
#include <vector>

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
// nll_loss of an (N, C, d1, ...) input: the same formula under PyTorch's 2-D name.
struct NllLoss2DBackward0 : NllLossBackward0 {
  std::string name() const override { return "NllLoss2DBackward0"; }
};
BIBUN_NN_NODE(MseLossBackward0, int reduction;)                 // self, target
BIBUN_NN_NODE(BinaryCrossEntropyBackward0, int reduction;)      // self, target, weight (kExtra)
// mat1 (kSelf), mat2 (kOther); layouts as in MmBackward0.
BIBUN_NN_NODE(AddmmBackward0, DimVector self_sizes; bool mat1_col_major = false; bool mat2_col_major = false;)

// Activations (formulas/activation.cpp). Backward0 forms save self, the in-place Backward1 forms
// (and relu_, hardtanh_, threshold_) save the result.
BIBUN_NN_NODE(LeakyReluBackward0, double negative_slope;)                         // self
BIBUN_NN_NODE(LeakyReluBackward1, double negative_slope;)                         // result
BIBUN_NN_NODE(EluBackward0, double alpha; double scale; double input_scale;)      // self
BIBUN_NN_NODE(EluBackward1, double alpha; double scale; double input_scale;)      // result
BIBUN_NN_NODE(CeluBackward1, double alpha;)                                       // result
BIBUN_NN_NODE(GeluBackward0, bool tanh_approx;)                                   // self
BIBUN_NN_NODE(SiluBackward0, )                                                    // self
BIBUN_NN_NODE(MishBackward0, )                                                    // self
BIBUN_NN_NODE(SoftplusBackward0, double beta; double threshold;)                  // self
BIBUN_NN_NODE(HardtanhBackward0, double min_val; double max_val;)                 // self or result
BIBUN_NN_NODE(HardsigmoidBackward0, )                                             // self
BIBUN_NN_NODE(HardswishBackward0, )                                               // self
BIBUN_NN_NODE(ThresholdBackward0, double threshold;)                              // self
BIBUN_NN_NODE(ThresholdBackward1, double threshold;)                              // self (old value)
BIBUN_NN_NODE(GluBackward0, int64_t dim;)                                         // self
BIBUN_NN_NODE(PreluKernelBackward0, )                                             // self, weight (kOther)
// Losses (formulas/loss.cpp): self, target.
BIBUN_NN_NODE(SmoothL1LossBackward0, int reduction; double beta;)
BIBUN_NN_NODE(HuberLossBackward0, int reduction; double delta;)
// Layers (formulas/nn_ops.cpp).
// input (kSelf), weight (kOther), bias (kExtra); mean/rstd are recomputed from the input.
BIBUN_NN_NODE(NativeLayerNormBackward0, int64_t normalized_ndim; double eps;)
// indices (kOther); the gradient is summed into the rows of a (num_weights, ...) zeros.
BIBUN_NN_NODE(EmbeddingBackward0, int64_t num_weights; int64_t padding_idx;)
BIBUN_NN_NODE(ConstantPadNdBackward0, std::vector<int64_t> pad;)

// reflect/replicate pad: one index_select per padded dim; the gradient scatter-adds back through
// them in reverse. Named ReflectionPad{1,2,3}DBackward0 / ReplicationPad{1,2,3}DBackward0.
struct PadIndexBackward : FormulaNode {
  std::string node_name;
  std::vector<int64_t> dims;        // padded dims, in the order the forward indexed them
  std::vector<DimVector> in_sizes;  // the tensor's sizes before each step
  std::vector<Tensor> indices;      // int64 source index of each output position along dims[k]
  std::vector<int64_t> pad;         // as given, and the mode: for the double backward
  bool reflect = false;
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&& grads) override;
};

#undef BIBUN_NN_NODE

}  // namespace bibun
