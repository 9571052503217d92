// Loops of convolution and pooling. Every tensor argument is contiguous (the ops make it so).
#include "kernels/conv_kernels.h"

#include <cmath>
#include <cstring>
#include <type_traits>

#include "kernels/parallel.h"
#include "tensor/dtype.h"
#include "tensor/error.h"

namespace bibun::kernels {

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

// Planes are independent: split them over threads when the work is large.
template <typename F>
void for_planes(int64_t planes, int64_t work_per_plane, F&& f) {
  if (planes * work_per_plane >= 2 * kGrainSize && planes > 1) {
    parallel_for(planes * work_per_plane, [&](int64_t b, int64_t e) {
      int64_t p0 = b / work_per_plane, p1 = (e + work_per_plane - 1) / work_per_plane;
      for (int64_t p = p0; p < p1 && p < planes; ++p) {
        if (p * work_per_plane >= b) f(p);  // each plane run by the thread owning its first element
      }
    });
    return;
  }
  for (int64_t p = 0; p < planes; ++p) f(p);
}

}  // namespace

void im2col(const Tensor& input, const Tensor& cols, const Window2d& g) {
  const int64_t N = input.sizes()[0], C = input.sizes()[1], L = g.OH * g.OW;
  dispatch_all(input.dtype(), [&]<typename T>() {
    const T* in = input.data<T>();
    T* out = cols.data<T>();
    const int64_t row_len = N * L;
    for_planes(C * g.kh * g.kw, row_len, [&](int64_t row) {
      const int64_t c = row / (g.kh * g.kw), ki = (row / g.kw) % g.kh, kj = row % g.kw;
      T* dst = out + row * row_len;
      for (int64_t n = 0; n < N; ++n) {
        const T* plane = in + (n * C + c) * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh) {
          const int64_t h = oh * g.sh - g.ph + ki * g.dh;
          T* d = dst + n * L + oh * g.OW;
          if (h < 0 || h >= g.H) {
            std::fill(d, d + g.OW, T(0));
            continue;
          }
          const T* src = plane + h * g.W;
          for (int64_t ow = 0; ow < g.OW; ++ow) {
            const int64_t w = ow * g.sw - g.pw + kj * g.dw;
            d[ow] = (w >= 0 && w < g.W) ? src[w] : T(0);
          }
        }
      }
    });
  });
}

void col2im(const Tensor& cols, const Tensor& out, const Window2d& g) {
  const int64_t N = out.sizes()[0], C = out.sizes()[1], L = g.OH * g.OW;
  dispatch_all(out.dtype(), [&]<typename T>() {
    const T* src = cols.data<T>();
    T* dst = out.data<T>();
    if (out.numel() > 0) std::memset(static_cast<void*>(dst), 0, sizeof(T) * out.numel());  // null when empty
    const int64_t row_len = N * L;
    // One channel per task: the rows of a channel write only into that channel's planes.
    for_planes(C, g.kh * g.kw * row_len, [&](int64_t c) {
      for (int64_t k = 0; k < g.kh * g.kw; ++k) {
        const int64_t ki = k / g.kw, kj = k % g.kw;
        const T* s = src + (c * g.kh * g.kw + k) * row_len;
        for (int64_t n = 0; n < N; ++n) {
          T* plane = dst + (n * C + c) * g.H * g.W;
          for (int64_t oh = 0; oh < g.OH; ++oh) {
            const int64_t h = oh * g.sh - g.ph + ki * g.dh;
            if (h < 0 || h >= g.H) continue;
            const T* sv = s + n * L + oh * g.OW;
            T* d = plane + h * g.W;
            for (int64_t ow = 0; ow < g.OW; ++ow) {
              const int64_t w = ow * g.sw - g.pw + kj * g.dw;
              if (w >= 0 && w < g.W) d[w] += sv[ow];
            }
          }
        }
      }
    });
  });
}

void max_pool2d(const Tensor& input, const Tensor& out, const Tensor& indices, const Window2d& g) {
  const int64_t P = input.sizes()[0];
  dispatch_all(input.dtype(), [&]<typename T>() {
    const T* in = input.data<T>();
    T* o = out.data<T>();
    int64_t* idx = indices.data<int64_t>();
    for_planes(P, g.OH * g.OW * g.kh * g.kw, [&](int64_t p) {
      const T* plane = in + p * g.H * g.W;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) {
          int64_t best = -1;
          T best_v{};
          for (int64_t i = 0; i < g.kh; ++i) {
            const int64_t h = oh * g.sh - g.ph + i * g.dh;
            if (h < 0 || h >= g.H) continue;
            for (int64_t j = 0; j < g.kw; ++j) {
              const int64_t w = ow * g.sw - g.pw + j * g.dw;
              if (w < 0 || w >= g.W) continue;
              const T v = plane[h * g.W + w];
              if (best < 0 || v > best_v || (is_nan(v) && !is_nan(best_v))) {
                best = h * g.W + w;
                best_v = v;
              }
            }
          }
          const int64_t k = (p * g.OH + oh) * g.OW + ow;
          o[k] = best_v;
          idx[k] = best < 0 ? 0 : best;
        }
      }
    });
  });
}

void gather_planes(const Tensor& src, const Tensor& indices, const Tensor& out) {
  const int64_t P = out.sizes()[0], per_out = out.numel() / std::max<int64_t>(P, 1),
                per_in = src.numel() / std::max<int64_t>(P, 1);
  dispatch_all(src.dtype(), [&]<typename T>() {
    const T* s = src.data<T>();
    T* o = out.data<T>();
    const int64_t* idx = indices.data<int64_t>();
    for (int64_t p = 0; p < P; ++p)
      for (int64_t i = 0; i < per_out; ++i) o[p * per_out + i] = s[p * per_in + idx[p * per_out + i]];
  });
}

void scatter_add_planes(const Tensor& grad, const Tensor& indices, const Tensor& out) {
  const int64_t P = grad.sizes()[0], per_out = grad.numel() / std::max<int64_t>(P, 1),
                per_in = out.numel() / std::max<int64_t>(P, 1);
  dispatch_all(out.dtype(), [&]<typename T>() {
    const T* gsrc = grad.data<T>();
    T* o = out.data<T>();
    if (out.numel() > 0) std::memset(static_cast<void*>(o), 0, sizeof(T) * out.numel());  // null when empty
    const int64_t* idx = indices.data<int64_t>();
    for (int64_t p = 0; p < P; ++p)
      for (int64_t i = 0; i < per_out; ++i) o[p * per_in + idx[p * per_out + i]] += gsrc[p * per_out + i];
  });
}

void window_avg(const Tensor& input, const Tensor& out, const AvgWindows& w) {
  const int64_t P = input.sizes()[0];
  dispatch_all(input.dtype(), [&]<typename T>() {
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
    const T* in = input.data<T>();
    T* o = out.data<T>();
    for_planes(P, w.H * w.W + w.OH * w.OW, [&](int64_t p) {
      const T* plane = in + p * w.H * w.W;
      for (int64_t oh = 0; oh < w.OH; ++oh) {
        for (int64_t ow = 0; ow < w.OW; ++ow) {
          Acc s = 0;
          for (int64_t h = w.hs[oh]; h < w.he[oh]; ++h)
            for (int64_t x = w.ws[ow]; x < w.we[ow]; ++x) s += static_cast<Acc>(plane[h * w.W + x]);
          const double d = w.div[oh * w.OW + ow];
          if constexpr (std::is_floating_point_v<T>) {
            o[(p * w.OH + oh) * w.OW + ow] = static_cast<T>(s / d);
          } else {
            o[(p * w.OH + oh) * w.OW + ow] = static_cast<T>(s / static_cast<int64_t>(d));
          }
        }
      }
    });
  });
}

void window_avg_backward(const Tensor& grad, const Tensor& out, const AvgWindows& w) {
  const int64_t P = grad.sizes()[0];
  dispatch_all(out.dtype(), [&]<typename T>() {
    const T* gsrc = grad.data<T>();
    T* o = out.data<T>();
    if (out.numel() > 0) std::memset(static_cast<void*>(o), 0, sizeof(T) * out.numel());  // null when empty
    for_planes(P, w.H * w.W + w.OH * w.OW, [&](int64_t p) {
      T* plane = o + p * w.H * w.W;
      for (int64_t oh = 0; oh < w.OH; ++oh) {
        for (int64_t ow = 0; ow < w.OW; ++ow) {
          const double d = w.div[oh * w.OW + ow];
          T v;
          if constexpr (std::is_floating_point_v<T>) {
            v = static_cast<T>(gsrc[(p * w.OH + oh) * w.OW + ow] / d);
          } else {
            v = static_cast<T>(gsrc[(p * w.OH + oh) * w.OW + ow] / static_cast<int64_t>(d));
          }
          for (int64_t h = w.hs[oh]; h < w.he[oh]; ++h)
            for (int64_t x = w.ws[ow]; x < w.we[ow]; ++x) plane[h * w.W + x] += v;
        }
      }
    });
  });
}

}  // namespace bibun::kernels
