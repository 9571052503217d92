// Branch-free float32 math the compiler can vectorise inside the elementwise loops (libm's
// expf is a call per element, several times slower than a SIMD polynomial over a large tensor).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace bibun::kernels::vec {

inline float bits_to_float(int32_t i) {
  float f;
  std::memcpy(&f, &i, sizeof f);
  return f;
}

// exp(x) = 2^n * exp(r) with n = round(x / ln 2) and |r| <= ln 2 / 2; exp(r) by the Cephes
// minimax polynomial (about 1 ulp). 2^n is applied as two powers of two so that results in the
// subnormal range round once and n = 128 still gives inf. NaN propagates through the clamp.
inline float exp(float x) {
  float xc = x < -110.0f ? -110.0f : x;  // NaN stays NaN (comparisons are false)
  xc = xc > 89.0f ? 89.0f : xc;
  // round to nearest by adding and subtracting 1.5 * 2^23 (|x / ln 2| < 2^22)
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const int32_t ni = static_cast<int32_t>(n == n ? n : 0.0f);  // NaN: p is NaN already
  const int32_t n1 = ni / 2, n2 = ni - n1;
  return p * bits_to_float((n1 + 127) << 23) * bits_to_float((n2 + 127) << 23);
}

}  // namespace bibun::kernels::vec
