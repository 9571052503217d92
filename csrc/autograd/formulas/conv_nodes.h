// Backward nodes of convolution, pooling and batch norm (formulas/conv.cpp), named as PyTorch
// names them. Slots as in nodes.h: kSelf, kOther, kResult, kExtra.
#pragma once
#include <array>
#include <memory>

#include "autograd/formulas/nodes.h"
#include "kernels/conv_kernels.h"
#include "ops/conv.h"
#include "tensor/dim_vector.h"

namespace bibun {

#define BIBUN_CONV_NODE(Name, ...)                      \
  struct Name : FormulaNode {                           \
    std::string name() const override { return #Name; } \
    tensor_list apply(tensor_list&& grads) override;    \
    __VA_ARGS__                                         \
  };

// input (kSelf), weight (kOther); geometry of the 2-D view (1-D convs have a unit height).
BIBUN_CONV_NODE(ConvolutionBackward0, ops::ConvGeom geom; int64_t groups; int64_t spatial; bool has_bias;
                DimVector input_sizes; DimVector weight_sizes;)
BIBUN_CONV_NODE(Im2ColBackward0, ops::ConvGeom geom; DimVector x_sizes;)
BIBUN_CONV_NODE(Col2ImBackward0, ops::ConvGeom geom;)
// indices (kExtra)
BIBUN_CONV_NODE(MaxPool2DWithIndicesBackward0, DimVector input_sizes;)
BIBUN_CONV_NODE(MaxPool2DWithIndicesBackwardBackward0, DimVector input_sizes;)
BIBUN_CONV_NODE(AvgPool2DBackward0, std::shared_ptr<const kernels::AvgWindows> windows; DimVector input_sizes;)
BIBUN_CONV_NODE(AvgPool2DBackwardBackward0, std::shared_ptr<const kernels::AvgWindows> windows;)
BIBUN_CONV_NODE(AdaptiveAvgPool2DBackward0, std::shared_ptr<const kernels::AvgWindows> windows;
                DimVector input_sizes;)
BIBUN_CONV_NODE(AdaptiveAvgPool2DBackwardBackward0, std::shared_ptr<const kernels::AvgWindows> windows;)
// input (kSelf), weight (kOther), running mean (kResult) and var (kExtra) in evaluation mode.
BIBUN_CONV_NODE(NativeBatchNormBackward0, bool training; double eps; bool has_weight;)

#undef BIBUN_CONV_NODE

}  // namespace bibun
