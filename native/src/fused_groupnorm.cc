// Fused GroupNorm (+ optional SiLU) forward and backward (Wu & He 2018, eq. 1–3; SiLU = x·σ(x)), NHWC float32.
// x is viewed as [B, HW, C] with C split into G groups of C/G consecutive channels.
//   groupNormForward(x, gamma, beta, B, HW, C, G, eps, silu, out, mean, rstd)   mean, rstd: [B, G] (saved)
//   groupNormBackward(dout, x, gamma, beta, mean, rstd, B, HW, C, G, silu, dx, dgamma, dbeta)
// Statistics accumulate in double; the variance is the biased one (PyTorch's nn.GroupNorm), from a second pass over
// x − μ so that it keeps its precision when |μ| ≫ σ.
#include <algorithm>
#include <cmath>
#include <vector>

#include "kernel_args.h"
#include "parallel.h"
#include "registry.h"

namespace {

using dal::args::Args;
using dal::args::fastExp;

inline float sigmoidf(float v) { return 1.0f / (1.0f + fastExp(-v)); }

napi_value ForwardFn(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const float* x = args.f32(0);
  const float* gamma = args.f32(1);
  const float* beta = args.f32(2);
  const int64_t B = args.integer(3), HW = args.integer(4), C = args.integer(5), G = args.integer(6);
  const double eps = args.num(7);
  bool silu = false;
  if (args.ok) napi_get_value_bool(env, args.argv[8], &silu);
  float* out = args.f32(9);
  float* mean = args.f32(10);
  float* rstd = args.f32(11);
  if (!args.ok) return nullptr;
  if (G <= 0 || C % G != 0) return args.fail("groupNormForward: C must split into G groups"), nullptr;
  const int64_t cg = C / G;
  dal::parallelFor(B * G, 1, [&](int64_t s, int64_t e) {
    for (int64_t bg = s; bg < e; ++bg) {
      const int64_t b = bg / G, g = bg % G;
      const float* xb = x + b * HW * C + g * cg;
      const double n = static_cast<double>(HW * cg);
      double sum = 0;
      for (int64_t p = 0; p < HW; ++p) {
        const float* row = xb + p * C;
        float ls = 0;
        for (int64_t c = 0; c < cg; ++c) ls += row[c];
        sum += ls;
      }
      const float m = static_cast<float>(sum / n);
      // Second pass over d = x − m (not E[x²] − μ², which cancels when |μ| ≫ σ); the corrected two-pass form
      // E[d²] − E[d]² removes the rounding of m to float.
      double sd = 0, sq = 0;
      for (int64_t p = 0; p < HW; ++p) {
        const float* row = xb + p * C;
        float ld = 0, lq = 0;
        for (int64_t c = 0; c < cg; ++c) {
          const float d = row[c] - m;
          ld += d;
          lq += d * d;
        }
        sd += ld;
        sq += lq;
      }
      const double var = std::max(0.0, sq / n - (sd / n) * (sd / n));
      const float r = static_cast<float>(1.0 / std::sqrt(var + eps));
      mean[bg] = m;
      rstd[bg] = r;
      float* ob = out + b * HW * C + g * cg;
      const float* ga = gamma + g * cg;
      const float* be = beta + g * cg;
      for (int64_t p = 0; p < HW; ++p) {
        const float* row = xb + p * C;
        float* orow = ob + p * C;
        for (int64_t c = 0; c < cg; ++c) {
          float y = (row[c] - m) * r * ga[c] + be[c];
          orow[c] = silu ? y * sigmoidf(y) : y;
        }
      }
    }
  });
  return dal::args::undefined(env);
}

napi_value BackwardFn(napi_env env, napi_callback_info info) {
  Args args(env, info);
  const float* dout = args.f32(0);
  const float* x = args.f32(1);
  const float* gamma = args.f32(2);
  const float* beta = args.f32(3);
  const float* mean = args.f32(4);
  const float* rstd = args.f32(5);
  const int64_t B = args.integer(6), HW = args.integer(7), C = args.integer(8), G = args.integer(9);
  bool silu = false;
  if (args.ok) napi_get_value_bool(env, args.argv[10], &silu);
  float* dx = args.f32(11);
  float* dgamma = args.f32(12);
  float* dbeta = args.f32(13);
  if (!args.ok) return nullptr;
  if (G <= 0 || C % G != 0) return args.fail("groupNormBackward: C must split into G groups"), nullptr;
  const int64_t cg = C / G;
  // Per-sample partial sums of dγ, dβ ([B, C]), reduced over B at the end (deterministic for any thread count).
  std::vector<double> pg(B * C, 0.0), pb(B * C, 0.0);
  dal::parallelFor(B * G, 1, [&](int64_t s, int64_t e) {
    std::vector<float> dyy(HW * cg);  // ∂L/∂y (after the SiLU derivative), this group
    for (int64_t bg = s; bg < e; ++bg) {
      const int64_t b = bg / G, g = bg % G;
      const float m = mean[bg], r = rstd[bg];
      const int64_t base = b * HW * C + g * cg;
      const float* ga = gamma + g * cg;
      const float* be = beta + g * cg;
      double* pgb = pg.data() + b * C + g * cg;
      double* pbb = pb.data() + b * C + g * cg;
      double sumD = 0, sumDX = 0;  // Σ dx̂ and Σ dx̂·x̂ over the group
      for (int64_t p = 0; p < HW; ++p) {
        const float* xr = x + base + p * C;
        const float* dr = dout + base + p * C;
        float* dyr = dyy.data() + p * cg;
        float ld = 0, ldx = 0;
        for (int64_t c = 0; c < cg; ++c) {
          float xh = (xr[c] - m) * r;
          float d = dr[c];
          if (silu) {
            float y = xh * ga[c] + be[c];
            float sg = sigmoidf(y);
            d *= sg * (1.0f + y * (1.0f - sg));
          }
          dyr[c] = d;
          pgb[c] += static_cast<double>(d) * xh;
          pbb[c] += d;
          float dxh = d * ga[c];
          ld += dxh;
          ldx += dxh * xh;
        }
        sumD += ld;
        sumDX += ldx;
      }
      const double n = static_cast<double>(HW * cg);
      const float meanD = static_cast<float>(sumD / n), meanDX = static_cast<float>(sumDX / n);
      for (int64_t p = 0; p < HW; ++p) {
        const float* xr = x + base + p * C;
        const float* dyr = dyy.data() + p * cg;
        float* dxr = dx + base + p * C;
        for (int64_t c = 0; c < cg; ++c) {
          float xh = (xr[c] - m) * r;
          dxr[c] = r * (dyr[c] * ga[c] - meanD - xh * meanDX);
        }
      }
    }
  });
  for (int64_t c = 0; c < C; ++c) {
    double a = 0, bsum = 0;
    for (int64_t b = 0; b < B; ++b) {
      a += pg[b * C + c];
      bsum += pb[b * C + c];
    }
    dgamma[c] = static_cast<float>(a);
    dbeta[c] = static_cast<float>(bsum);
  }
  return dal::args::undefined(env);
}

static dal::Export e1("groupNormForward", ForwardFn);
static dal::Export e2("groupNormBackward", BackwardFn);

}  // namespace
