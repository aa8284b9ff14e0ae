// Adam update of one variable (Kingma & Ba 2015, Algorithm 1) in one pass, with exactly the float32 operations and
// rounding of tfjs's AdamOptimizer.applyGradients (each product and sum rounded to float, no fused multiply-add):
//   m' = m·β₁ + g·(1 − β₁)          v' = v·β₂ + g²·(1 − β₂)
//   θ' = (m'/(1 − β₁ᵗ)) / (√(v'/(1 − β₂ᵗ)) + ε) · (−lr) + θ
// adamUpdate(theta, g, m, v, thetaOut, mOut, vOut, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
//            oneMinusAccBeta1, oneMinusAccBeta2, epsilon, negLr)
// The scalars are rounded to float32 here, as tfjs rounds them into scalar tensors. Outputs may not alias inputs.
#include <cmath>

#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace {

struct AdamScalars {
  float b1, omb1, b2, omb2, omAcc1, omAcc2, eps, negLr;
};

// One statement per tfjs op, and no contraction into FMAs (GCC contracts across statements by default).
__attribute__((optimize("fp-contract=off"))) void adamRange(
    const float* __restrict theta, const float* __restrict g, const float* __restrict m, const float* __restrict v,
    float* __restrict thetaOut, float* __restrict mOut, float* __restrict vOut, const AdamScalars s, int64_t begin,
    int64_t end) {
  for (int64_t i = begin; i < end; ++i) {
    const float m1 = m[i] * s.b1;
    const float m2 = g[i] * s.omb1;
    const float nm = m1 + m2;
    const float g2 = g[i] * g[i];
    const float v1 = v[i] * s.b2;
    const float v2 = g2 * s.omb2;
    const float nv = v1 + v2;
    const float mHat = nm / s.omAcc1;
    const float vHat = nv / s.omAcc2;
    const float den = std::sqrt(vHat) + s.eps;
    const float step = (mHat / den) * s.negLr;
    thetaOut[i] = step + theta[i];
    mOut[i] = nm;
    vOut[i] = nv;
  }
}

napi_value AdamUpdateFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 15, "adamUpdate");
    int64_t n = 0;
    const float* theta = args.f32Len(0, &n);
    const float* g = args.f32(1, n);
    const float* m = args.f32(2, n);
    const float* v = args.f32(3, n);
    float* thetaOut = args.f32(4, n);
    float* mOut = args.f32(5, n);
    float* vOut = args.f32(6, n);
    AdamScalars s;
    float* fields[] = {&s.b1, &s.omb1, &s.b2, &s.omb2, &s.omAcc1, &s.omAcc2, &s.eps, &s.negLr};
    for (size_t i = 0; i < 8; ++i) *fields[i] = static_cast<float>(args.f64(7 + i));
    dal::parallelFor(n, 1 << 15, [&](int64_t b, int64_t e) { adamRange(theta, g, m, v, thetaOut, mOut, vOut, s, b, e); });
  });
}

static dal::Export e1("adamUpdate", AdamUpdateFn);

}  // namespace
