// Small N-API helpers shared by the elementwise, reduction and fused kernels: read a Float32Array's data pointer,
// a number, or a JS number array (shape), and throw a JS TypeError on misuse.
#pragma once
#include <node_api.h>
#include <cmath>
#include <cstdint>
#include <vector>

namespace dal {
namespace args {

struct Args {
  napi_env env;
  static constexpr size_t kMaxArgs = 24;
  size_t argc = kMaxArgs;
  napi_value argv[kMaxArgs];
  bool ok = true;

  Args(napi_env e, napi_callback_info info) : env(e) {
    napi_get_cb_info(e, info, &argc, argv, nullptr, nullptr);
    if (argc > kMaxArgs) argc = kMaxArgs;  // napi reports the real count; only kMaxArgs were stored
  }

  bool fail(const char* msg) {
    if (ok) napi_throw_type_error(env, nullptr, msg);
    ok = false;
    return false;
  }

  // Float32Array data pointer and length (n) of argument i.
  float* f32(size_t i, int64_t* n = nullptr) {
    if (i >= argc) return fail("dal_native: missing Float32Array argument"), nullptr;
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, argv[i], &type, &length, &data, nullptr, nullptr) != napi_ok ||
        type != napi_float32_array)
      return fail("dal_native: expected a Float32Array"), nullptr;
    if (n) *n = static_cast<int64_t>(length);
    return static_cast<float*>(data);
  }

  double num(size_t i) {
    double v = 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("dal_native: expected a number");
    return v;
  }

  int64_t integer(size_t i) { return static_cast<int64_t>(num(i)); }

  // A JS array of numbers (a shape or axis list).
  std::vector<int64_t> ints(size_t i) {
    std::vector<int64_t> out;
    bool isArray = false;
    if (i >= argc || napi_is_array(env, argv[i], &isArray) != napi_ok || !isArray) {
      fail("dal_native: expected an array of numbers");
      return out;
    }
    uint32_t len = 0;
    napi_get_array_length(env, argv[i], &len);
    out.resize(len);
    for (uint32_t k = 0; k < len; ++k) {
      napi_value el;
      double v = 0;
      napi_get_element(env, argv[i], k, &el);
      napi_get_value_double(env, el, &v);
      out[k] = static_cast<int64_t>(v);
    }
    return out;
  }

  // The Float32Array elements of a JS array argument (AddN inputs).
  std::vector<float*> f32List(size_t i) {
    std::vector<float*> out;
    bool isArray = false;
    if (i >= argc || napi_is_array(env, argv[i], &isArray) != napi_ok || !isArray) {
      fail("dal_native: expected an array of Float32Arrays");
      return out;
    }
    uint32_t len = 0;
    napi_get_array_length(env, argv[i], &len);
    for (uint32_t k = 0; k < len; ++k) {
      napi_value el;
      napi_get_element(env, argv[i], k, &el);
      napi_typedarray_type type;
      size_t length = 0;
      void* data = nullptr;
      if (napi_get_typedarray_info(env, el, &type, &length, &data, nullptr, nullptr) != napi_ok ||
          type != napi_float32_array) {
        fail("dal_native: expected an array of Float32Arrays");
        return {};
      }
      out.push_back(static_cast<float*>(data));
    }
    return out;
  }
};

inline napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

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

}  // namespace args
}  // namespace dal
