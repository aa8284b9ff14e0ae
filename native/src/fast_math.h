// Vectorizable float32 exp and sin/cos shared by the elementwise, reduction and fused kernels: branch-free
// polynomial forms that GCC vectorizes under the default -ftrapping-math (no float->int conversions).
#pragma once
#include <cmath>
#include <cstdint>

namespace dal {

// exp(x) in float to ~2 ulp (Cephes' expf polynomial), written without float->int conversions so that GCC
// vectorizes the loops that call it under the default -ftrapping-math: 2^n comes from the bits of a rounded float.
inline float fastExp(float x) {
  const float hi = 88.72283935546875f, lo = -87.3365447504f;  // ln(FLT_MAX); ln of the smallest normal float
  float xc = x > hi ? hi : (x < lo ? lo : x);
  float t = xc * 1.44269504088896341f + 12582912.0f;  // 1.5 * 2^23: the low mantissa bits of t hold round(x/ln2)
  float n = t - 12582912.0f;
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.0f;
  // 2^n as 2^(n-64)·2^64 when n > 64, so that n = 128 (x near ln(FLT_MAX)) stays representable.
  float shift = n > 64.0f ? 64.0f : 0.0f;
  int32_t bits = (__builtin_bit_cast(int32_t, t - shift) - 0x4B400000 + 127) << 23;
  float y = p * __builtin_bit_cast(float, bits) * (n > 64.0f ? 18446744073709551616.0f : 1.0f);
  y = x < lo ? 0.0f : y;
  y = x > hi ? INFINITY : y;
  return x != x ? x : y;
}

// sin(x) (Cos = false) or cos(x) (Cos = true) to ~1e-7 absolute for |x| < 8192, vectorizable: Cody-Waite reduction
// by π/2 and Cephes' minimax polynomials on [-π/4, π/4]. Callers use std::sin/cos for larger arguments.
template <bool Cos>
inline float fastSinCos(float x) {
  float t = x * 0.636619772367581343f + 12582912.0f;  // low mantissa bits of t: j = round(2x/π)
  float j = t - 12582912.0f;
  float r = x - j * 1.5703125f - j * 4.8375129699707031e-4f - j * 7.5497899548918821e-8f;
  int32_t q = (__builtin_bit_cast(int32_t, t) - 0x4B400000 + (Cos ? 1 : 0)) & 3;
  float z = r * r;
  float s = r + r * z * (-1.6666654611e-1f + z * (8.3321608736e-3f + z * -1.9515295891e-4f));
  float c = 1.0f - 0.5f * z + z * z * (4.166664568298827e-2f + z * (-1.388731625493765e-3f + z * 2.443315711809948e-5f));
  float v = (q & 1) ? c : s;
  return (q & 2) ? -v : v;
}

}  // namespace dal
