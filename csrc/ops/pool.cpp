// Max, average and adaptive average pooling over the last two dims of (C, H, W) or (N, C, H, W).
#include <cmath>

#include "autograd/formulas/conv_nodes.h"
#include "autograd/grad_mode.h"
#include "kernels/conv_kernels.h"
#include "ops/common.h"
#include "ops/conv.h"

namespace bibun::ops {

namespace {

Tensor dense(const Tensor& t) {
  if (t.is_contiguous()) return t;
  Tensor out = empty(t.sizes(), t.dtype());
  kernels::copy(out, t);
  return out;
}

// A contiguous tensor seen as (P, rest) planes for the kernels (no autograd involved).
Tensor as_planes(const Tensor& t, int64_t planes) {
  Tensor d = dense(t);
  const int64_t rest = planes ? t.numel() / planes : 0;
  return Tensor(make_intrusive<TensorImpl>(d->storage(), d->offset(), DimVector{planes, rest}, DimVector{rest, 1},
                                           d.dtype()));
}

int64_t planes_of(const DimVector& sizes) {
  int64_t p = 1;
  for (size_t i = 0; i + 2 < sizes.size(); ++i) p *= sizes[i];
  return p;
}

DimVector with_plane(const DimVector& sizes, int64_t oh, int64_t ow) {
  DimVector out = sizes;
  out[out.size() - 2] = oh;
  out[out.size() - 1] = ow;
  return out;
}

// PyTorch's pooling_output_shape.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  const int64_t num = in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

struct PoolShape {
  int64_t OH, OW;
};

PoolShape check_pool(const Tensor& input, std::array<int64_t, 2> k, std::array<int64_t, 2> s,
                     std::array<int64_t, 2> p, std::array<int64_t, 2> d, bool ceil_mode) {
  BIBUN_CHECK(s[0] != 0 && s[1] != 0, "stride should not be zero");
  BIBUN_CHECK(k[0] > 0 && k[1] > 0, "kernel size should be greater than zero, but got kH: ", k[0], " kW: ", k[1]);
  BIBUN_CHECK(s[0] > 0 && s[1] > 0, "stride should be greater than zero, but got dH: ", s[0], " dW: ", s[1]);
  BIBUN_CHECK(d[0] > 0 && d[1] > 0, "dilation should be greater than zero, but got dilationH: ", d[0],
              " dilationW: ", d[1]);
  const int64_t dim = input.dim();
  BIBUN_CHECK(dim == 3 || dim == 4, "non-empty 3D or 4D (batch mode) tensor expected for input");
  for (int64_t i = dim - 3; i < dim; ++i) {
    BIBUN_CHECK(input.sizes()[i] != 0, "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for ",
                "input, but got:", shape_str(input.sizes()));
  }
  for (int i = 0; i < 2; ++i) {
    BIBUN_CHECK(p[i] >= 0, "pad must be non-negative, but got pad: ", p[i]);
    BIBUN_CHECK(p[i] <= ((k[i] - 1) * d[i] + 1) / 2, "pad should be at most half of effective kernel size, but got pad=",
                p[i], ", kernel_size=", k[i], " and dilation=", d[i]);
  }
  const int64_t C = input.sizes()[dim - 3], H = input.sizes()[dim - 2], W = input.sizes()[dim - 1];
  PoolShape out{pooled_size(H, k[0], p[0], s[0], d[0], ceil_mode), pooled_size(W, k[1], p[1], s[1], d[1], ceil_mode)};
  BIBUN_CHECK(out.OH >= 1 && out.OW >= 1, "Given input size: (", C, "x", H, "x", W, "). Calculated output size: (", C,
              "x", out.OH, "x", out.OW, "). Output size is too small");
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, std::array<int64_t, 2> kernel,
                                                   std::array<int64_t, 2> stride, std::array<int64_t, 2> padding,
                                                   std::array<int64_t, 2> dilation, bool ceil_mode) {
  PoolShape shape = check_pool(input, kernel, stride, padding, dilation, ceil_mode);
  BIBUN_CHECK_T(NotImplementedError, input.dtype() != ScalarType::Bool,
                "\"max_pool2d\" not implemented for 'Bool'");
  const DimVector out_sizes = with_plane(input.sizes(), shape.OH, shape.OW);
  const int64_t P = planes_of(input.sizes());
  Tensor out = empty(out_sizes, input.dtype());
  Tensor indices = empty(out_sizes, ScalarType::Int64);
  kernels::Window2d g{input.sizes()[input.dim() - 2], input.sizes()[input.dim() - 1], kernel[0], kernel[1], stride[0],
                      stride[1], padding[0], padding[1], dilation[0], dilation[1], shape.OH, shape.OW};
  if (P > 0) kernels::max_pool2d(as_planes(input, P), as_planes(out, P), as_planes(indices, P), g);
  if (auto node = make_node<MaxPool2DWithIndicesBackward0>({&input})) {
    node->input_sizes = input.sizes();
    node->save(kExtra, indices);
    set_history(out, node);
  }
  return {out, indices};
}

Tensor max_pool2d_scatter(const Tensor& grad, const Tensor& indices, const DimVector& input_sizes) {
  Tensor out = empty(input_sizes, grad.dtype());
  const int64_t P = planes_of(input_sizes);
  if (P > 0) kernels::scatter_add_planes(as_planes(grad, P), as_planes(indices, P), as_planes(out, P));
  if (auto node = make_node<MaxPool2DWithIndicesBackwardBackward0>({&grad})) {
    node->input_sizes = input_sizes;
    node->save(kExtra, indices);
    set_history(out, node);
  }
  return out;
}

Tensor max_pool2d_gather(const Tensor& x, const Tensor& indices, const DimVector& input_sizes) {
  Tensor out = empty(indices.sizes(), x.dtype());
  const int64_t P = planes_of(input_sizes);
  if (P > 0) kernels::gather_planes(as_planes(x, P), as_planes(indices, P), as_planes(out, P));
  if (auto node = make_node<MaxPool2DWithIndicesBackward0>({&x})) {
    node->input_sizes = input_sizes;
    node->save(kExtra, indices);
    set_history(out, node);
  }
  return out;
}

Tensor window_avg(const Tensor& input, std::shared_ptr<const kernels::AvgWindows> w, bool adaptive) {
  Tensor out = empty(with_plane(input.sizes(), w->OH, w->OW), input.dtype());
  const int64_t P = planes_of(input.sizes());
  if (P > 0) kernels::window_avg(as_planes(input, P), as_planes(out, P), *w);
  auto record = [&]<typename N>() {
    if (auto node = make_node<N>({&input})) {
      node->windows = w;
      node->input_sizes = input.sizes();
      set_history(out, node);
    }
  };
  if (adaptive) {
    record.template operator()<AdaptiveAvgPool2DBackward0>();
  } else {
    record.template operator()<AvgPool2DBackward0>();
  }
  return out;
}

Tensor window_avg_backward(const Tensor& grad, std::shared_ptr<const kernels::AvgWindows> w,
                           const DimVector& input_sizes, bool adaptive) {
  Tensor out = empty(input_sizes, grad.dtype());
  const int64_t P = planes_of(input_sizes);
  if (P > 0) kernels::window_avg_backward(as_planes(grad, P), as_planes(out, P), *w);
  auto record = [&]<typename N>() {
    if (auto node = make_node<N>({&grad})) {
      node->windows = w;
      set_history(out, node);
    }
  };
  if (adaptive) {
    record.template operator()<AdaptiveAvgPool2DBackwardBackward0>();
  } else {
    record.template operator()<AvgPool2DBackwardBackward0>();
  }
  return out;
}

Tensor avg_pool2d(const Tensor& input, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                  std::array<int64_t, 2> padding, bool ceil_mode, bool count_include_pad,
                  std::optional<int64_t> divisor_override) {
  BIBUN_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  PoolShape shape = check_pool(input, kernel, stride, padding, {1, 1}, ceil_mode);
  BIBUN_CHECK_T(NotImplementedError, input.dtype() != ScalarType::Bool && input.dtype() != ScalarType::Int32,
                "\"avg_pool2d\" not implemented for '", input.dtype() == ScalarType::Bool ? "Bool" : "Int", "'");
  const int64_t H = input.sizes()[input.dim() - 2], W = input.sizes()[input.dim() - 1];
  auto w = std::make_shared<kernels::AvgWindows>();
  w->H = H;
  w->W = W;
  w->OH = shape.OH;
  w->OW = shape.OW;
  std::vector<int64_t> full_h, full_w;
  auto fill = [](int64_t n, int64_t in, int64_t k, int64_t s, int64_t p, std::vector<int64_t>& st,
                 std::vector<int64_t>& en, std::vector<int64_t>& full) {
    for (int64_t o = 0; o < n; ++o) {
      int64_t a = o * s - p, b = std::min(a + k, in + p);
      full.push_back(b - a);
      st.push_back(std::max<int64_t>(a, 0));
      en.push_back(std::min(b, in));
    }
  };
  fill(shape.OH, H, kernel[0], stride[0], padding[0], w->hs, w->he, full_h);
  fill(shape.OW, W, kernel[1], stride[1], padding[1], w->ws, w->we, full_w);
  for (int64_t i = 0; i < shape.OH; ++i) {
    for (int64_t j = 0; j < shape.OW; ++j) {
      double div;
      if (divisor_override) {
        div = static_cast<double>(*divisor_override);
      } else if (count_include_pad) {
        div = static_cast<double>(full_h[i] * full_w[j]);
      } else {
        div = static_cast<double>((w->he[i] - w->hs[i]) * (w->we[j] - w->ws[j]));
      }
      w->div.push_back(div);
    }
  }
  return window_avg(input, w, false);
}

Tensor adaptive_avg_pool2d(const Tensor& input, std::array<int64_t, 2> output_size) {
  const int64_t dim = input.dim();
  BIBUN_CHECK(dim == 3 || dim == 4, "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ",
              shape_str(input.sizes()));
  for (int64_t i = dim - 2; i < dim; ++i) {
    BIBUN_CHECK(input.sizes()[i] != 0, "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch ",
                "dimensions, but input has sizes ", shape_str(input.sizes()), " with dimension ", i, " being empty");
  }
  BIBUN_CHECK(output_size[0] >= 0 && output_size[1] >= 0,
              "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {",
              output_size[0], ", ", output_size[1], "}");
  BIBUN_CHECK_T(NotImplementedError, is_floating(input.dtype()), "\"adaptive_avg_pool2d\" not implemented for '",
                input.dtype() == ScalarType::Int64   ? "Long"
                : input.dtype() == ScalarType::Int32 ? "Int"
                                                     : "Bool",
                "'");
  const int64_t H = input.sizes()[dim - 2], W = input.sizes()[dim - 1];
  auto w = std::make_shared<kernels::AvgWindows>();
  w->H = H;
  w->W = W;
  w->OH = output_size[0];
  w->OW = output_size[1];
  auto fill = [](int64_t n, int64_t in, std::vector<int64_t>& st, std::vector<int64_t>& en) {
    for (int64_t o = 0; o < n; ++o) {
      st.push_back(o * in / n);
      en.push_back(((o + 1) * in + n - 1) / n);
    }
  };
  fill(w->OH, H, w->hs, w->he);
  fill(w->OW, W, w->ws, w->we);
  for (int64_t i = 0; i < w->OH; ++i)
    for (int64_t j = 0; j < w->OW; ++j)
      w->div.push_back(static_cast<double>((w->he[i] - w->hs[i]) * (w->we[j] - w->ws[j])));
  return window_avg(input, w, true);
}

}  // namespace bibun::ops
