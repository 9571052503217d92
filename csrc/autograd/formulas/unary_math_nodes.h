// Backward nodes of the unary math ops (formulas/unary_math.cpp), named as PyTorch names them.
// Slots as in nodes.h: kSelf, kOther, kResult, kExtra.
#pragma once
#include <optional>

#include "autograd/formulas/nodes.h"

namespace bibun {

#define BIBUN_MATH_NODE(Name, ...)                      \
  struct Name : FormulaNode {                           \
    std::string name() const override { return #Name; } \
    tensor_list apply(tensor_list&& grads) override;    \
    __VA_ARGS__                                         \
  };

BIBUN_MATH_NODE(Exp2Backward0, )     // result
BIBUN_MATH_NODE(Expm1Backward0, )    // result
BIBUN_MATH_NODE(Log2Backward0, )     // self
BIBUN_MATH_NODE(Log10Backward0, )    // self
BIBUN_MATH_NODE(Log1PBackward0, )    // self
BIBUN_MATH_NODE(RsqrtBackward0, )    // result
BIBUN_MATH_NODE(SinBackward0, )      // self
BIBUN_MATH_NODE(CosBackward0, )      // self
BIBUN_MATH_NODE(TanBackward0, )      // result
BIBUN_MATH_NODE(AsinBackward0, )     // self
BIBUN_MATH_NODE(AcosBackward0, )     // self
BIBUN_MATH_NODE(AtanBackward0, )     // self
BIBUN_MATH_NODE(SinhBackward0, )     // self
BIBUN_MATH_NODE(CoshBackward0, )     // self
BIBUN_MATH_NODE(TanhBackward0, )     // result
BIBUN_MATH_NODE(AsinhBackward0, )    // self
BIBUN_MATH_NODE(AcoshBackward0, )    // self
BIBUN_MATH_NODE(AtanhBackward0, )    // self
// The in-place asinh_/acosh_/atanh_: PyTorch implements no derivative, backward raises.
BIBUN_MATH_NODE(AsinhBackward1, )
BIBUN_MATH_NODE(AcoshBackward1, )
BIBUN_MATH_NODE(AtanhBackward1, )
BIBUN_MATH_NODE(ErfBackward0, )      // self
BIBUN_MATH_NODE(ErfcBackward0, )     // self
BIBUN_MATH_NODE(ErfinvBackward0, )   // result
BIBUN_MATH_NODE(FloorBackward0, )
BIBUN_MATH_NODE(CeilBackward0, )
BIBUN_MATH_NODE(RoundBackward0, )
BIBUN_MATH_NODE(RoundBackward1, )    // round(decimals=...)
BIBUN_MATH_NODE(TruncBackward0, )
BIBUN_MATH_NODE(FracBackward0, )
BIBUN_MATH_NODE(LogitBackward0, std::optional<double> eps;)  // self
// clamp with tensor bounds: self, min (kOther), max (kExtra); either bound may be undefined.
BIBUN_MATH_NODE(ClampBackward0, )
// clamp with number bounds: self.
BIBUN_MATH_NODE(ClampBackward1, std::optional<Scalar> min; std::optional<Scalar> max;)
BIBUN_MATH_NODE(NanToNumBackward0, )  // self

#undef BIBUN_MATH_NODE

}  // namespace bibun
