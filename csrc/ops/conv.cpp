// Convolution (1-D and 2-D, any stride/padding/dilation/groups) as im2col + a BLAS product per
// group; its backward (formulas/conv.cpp) is written with the same differentiable pieces.
#include "ops/conv.h"

#include <algorithm>

#include "autograd/formulas/conv_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/conv_kernels.h"
#include "ops/common.h"

namespace bibun::ops {

namespace {

const char* scalar_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
  }
  return "?";
}

const char* lower_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "long";
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
  }
  return "?";
}

Tensor dense(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype());
  kernels::copy(out, t);
  return out;
}

kernels::Window2d window_of(const ConvGeom& g, int64_t H, int64_t W) {
  return kernels::Window2d{H, W, g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9]};
}

std::string list_str(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " x " : "") + std::to_string(v[i]);
  return s;
}

}  // namespace

Tensor conv_im2col(const Tensor& x, const ConvGeom& geom) {
  const int64_t N = x.sizes()[0], C = x.sizes()[1];
  Tensor xd = dense(x);
  Tensor cols = empty({C * geom[0] * geom[1], N * geom[8] * geom[9]}, x.dtype());
  kernels::im2col(xd, cols, window_of(geom, x.sizes()[2], x.sizes()[3]));
  if (auto node = make_node<Im2ColBackward0>({&x})) {
    node->geom = geom;
    node->x_sizes = x.sizes();
    set_history(cols, node);
  }
  return cols;
}

Tensor conv_col2im(const Tensor& cols, const DimVector& x_sizes, const ConvGeom& geom) {
  Tensor cd = dense(cols);
  Tensor out = empty(x_sizes, cols.dtype());
  kernels::col2im(cd, out, window_of(geom, x_sizes[2], x_sizes[3]));
  if (auto node = make_node<Col2ImBackward0>({&cols})) {
    node->geom = geom;
    set_history(out, node);
  }
  return out;
}

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
                   const std::vector<int64_t>& padding, const std::vector<int64_t>& dilation, int64_t groups) {
  const int64_t sp = weight.dim() - 2;
  BIBUN_CHECK(sp == 1 || sp == 2, "bibun's convolution supports 1 or 2 spatial dims, got weight of size ",
              shape_str(weight.sizes()));
  BIBUN_CHECK(input.dim() == sp + 2, "Expected ", sp + 1, "D (unbatched) or ", sp + 2, "D (batched) input to conv",
              sp, "d, but got input of size: ", shape_str(input.sizes()));
  BIBUN_CHECK(static_cast<int64_t>(stride.size()) == sp && static_cast<int64_t>(dilation.size()) == sp &&
                  (static_cast<int64_t>(padding.size()) == sp || static_cast<int64_t>(padding.size()) == 2 * sp),
              "expected stride, padding and dilation of ", sp, " elements");
  for (int64_t s : stride) BIBUN_CHECK(s > 0, "non-positive stride is not supported");
  for (int64_t p : padding) BIBUN_CHECK(p >= 0, "negative padding is not supported");
  for (int64_t d : dilation) BIBUN_CHECK(d > 0, "non-positive dilation is not supported");
  BIBUN_CHECK(groups > 0, "non-positive groups is not supported");
  BIBUN_CHECK(input.dtype() == weight.dtype(), "expected scalar type ", scalar_type_name(input.dtype()),
              " but found ", scalar_type_name(weight.dtype()));
  const int64_t Cout = weight.sizes()[0];
  BIBUN_CHECK(Cout % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", shape_str(weight.sizes()), "] instead");
  const int64_t N = input.sizes()[0], C = input.sizes()[1];
  BIBUN_CHECK(C == weight.sizes()[1] * groups, "Given groups=", groups, ", weight of size ",
              shape_str(weight.sizes()), ", expected input", shape_str(input.sizes()), " to have ",
              weight.sizes()[1] * groups, " channels, but got ", C, " channels instead");
  if (bias.defined()) {
    BIBUN_CHECK(bias.dim() == 1 && bias.sizes()[0] == Cout, "Given weight of size ", shape_str(weight.sizes()),
                ", expected bias to be 1-dimensional with ", Cout, " elements, but got bias of size ",
                shape_str(bias.sizes()), " instead");
    BIBUN_CHECK(bias.dtype() == input.dtype(), "Input type (", lower_type_name(input.dtype()), ") and bias type (",
                lower_type_name(bias.dtype()), ") should be the same");
  }
  const bool dilated = std::any_of(dilation.begin(), dilation.end(), [](int64_t d) { return d > 1; });
  BIBUN_CHECK_T(NotImplementedError, input.numel() == 0 || input.dtype() != ScalarType::Bool,
                "\"slow_conv2d_cpu\" not implemented for 'Bool'");
  BIBUN_CHECK_T(NotImplementedError, input.numel() == 0 || !dilated || input.dtype() != ScalarType::Int32,
                "\"slow_conv_dilated<>\" not implemented for 'Int'");
  // Note [Convolution geometry]: a 1-D convolution is a 2-D one over planes of height 1.
  // padding is {p...} (both sides) or {before, after} per dim with after >= before ('same' of an
  // even kernel): the far-side extra only lengthens OH/OW, since the window reads zeros
  // wherever it falls outside the input.
  auto pad_before = [&](int64_t d) { return padding.size() == static_cast<size_t>(sp) ? padding[d] : padding[2 * d]; };
  auto pad_after = [&](int64_t d) { return padding.size() == static_cast<size_t>(sp) ? padding[d] : padding[2 * d + 1]; };
  const int64_t H = sp == 2 ? input.sizes()[2] : 1, W = input.sizes()[sp + 1];
  const int64_t kh = sp == 2 ? weight.sizes()[2] : 1, kw = weight.sizes()[sp + 1];
  ConvGeom geom{kh, kw, sp == 2 ? stride[0] : 1, stride[sp - 1], sp == 2 ? pad_before(0) : 0, pad_before(sp - 1),
                sp == 2 ? dilation[0] : 1, dilation[sp - 1], 0, 0};
  std::vector<int64_t> padded, kernel;
  for (int64_t d = 0; d < sp; ++d) {
    const int64_t ext = input.sizes()[2 + d] + pad_before(d) + pad_after(d);
    const int64_t keff = dilation[d] * (weight.sizes()[2 + d] - 1) + 1;
    padded.push_back(ext);
    kernel.push_back(keff);
  }
  for (int64_t d = 0; d < sp; ++d) {
    BIBUN_CHECK(padded[d] >= kernel[d], "Calculated padded input size per channel: (", list_str(padded),
                "). Kernel size: (", list_str(kernel), "). Kernel size can't be greater than actual input size");
  }
  geom[8] = sp == 2 ? (padded[0] - kernel[0]) / geom[2] + 1 : 1;
  geom[9] = (padded[sp - 1] - kernel[sp - 1]) / geom[3] + 1;
  const int64_t L = geom[8] * geom[9];

  DimVector out_sizes{N, Cout};
  if (sp == 2) out_sizes.push_back(geom[8]);
  out_sizes.push_back(geom[9]);
  Tensor out = empty(out_sizes, input.dtype());
  if (out.numel() > 0) {
    AutoGradMode no_grad(false);
    Tensor x4 = reshape(input, {N, C, H, W});
    Tensor cols = conv_im2col(x4, geom);  // (C*kh*kw, N*L)
    const int64_t ck = C / groups * kh * kw, cog = Cout / groups;
    Tensor w2 = reshape(weight, {Cout, ck});
    std::vector<Tensor> parts;
    for (int64_t g = 0; g < groups; ++g) {
      Tensor wg = groups == 1 ? w2 : slice(w2, 0, g * cog, (g + 1) * cog, 1);
      Tensor cg = groups == 1 ? cols : slice(cols, 0, g * ck, (g + 1) * ck, 1);
      parts.push_back(mm(wg, cg));
    }
    Tensor res = groups == 1 ? parts[0] : cat(parts, 0);  // (Cout, N*L), contiguous
    // res[co, n*L + l] -> out[n, co, l]
    DimVector src_strides{L, N * L};
    if (sp == 2) src_strides.push_back(geom[9]);
    src_strides.push_back(1);
    Tensor src(make_intrusive<TensorImpl>(res->storage(), res->offset(), out_sizes, src_strides, res.dtype()));
    kernels::copy(out, src);
    if (bias.defined()) {
      DimVector bshape{1, Cout};
      for (int64_t d = 0; d < sp; ++d) bshape.push_back(1);
      kernels::binary(kernels::BinaryOp::Add, out, out, reshape(bias, bshape));
    }
  }
  if (auto node = make_node<ConvolutionBackward0>({&input, &weight, &bias})) {
    node->geom = geom;
    node->groups = groups;
    node->spatial = sp;
    node->has_bias = bias.defined();
    node->input_sizes = input.sizes();
    node->weight_sizes = weight.sizes();
    if (node->needs_input_grad(1)) node->save(kSelf, input);
    if (node->needs_input_grad(0)) node->save(kOther, weight);
    set_history(out, node);
  }
  return out;
}

}  // namespace bibun::ops
