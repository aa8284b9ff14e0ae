// Fused GroupNorm (+ optional SiLU) forward and backward (Wu & He 2018, eq. 1–3; SiLU = x·σ(x)), NHWC float32.
// x is viewed as [B, HW, C] with C split into G groups of C/G consecutive channels.
//   groupNormForward(x, gamma, beta, B, HW, C, G, eps, silu, out, mean, rstd)   mean, rstd: [B, G] (saved)
//   groupNormBackward(dout, x, gamma, beta, mean, rstd, B, HW, C, G, silu, dx, dgamma, dbeta)
// One sample is one unit of work (parallel over B; its [HW, C] block stays in L2 across the passes), and every pass
// runs along whole pixel rows of C channels, so the loops vectorize over channels whatever the group width C/G.
// Per-channel sums accumulate in float over runs of kRun pixels and in double across runs. The variance is the
// biased one (PyTorch's nn.GroupNorm), from a second pass over x − μ so that it keeps its precision when |μ| ≫ σ.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fast_math.h"
#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace {

using dal::fastExp;

constexpr int64_t kRun = 64;  // pixels summed in float before the double accumulator

inline float sigmoidf(float v) { return 1.0f / (1.0f + fastExp(-v)); }

/** acc[c] += Σ_p f(p, c) over the HW pixels, f evaluated along rows of C channels. */
template <class F>
void channelSums(int64_t HW, int64_t C, double* acc, float* run, F&& f) {
  for (int64_t p0 = 0; p0 < HW; p0 += kRun) {
    std::fill(run, run + C, 0.0f);
    const int64_t p1 = std::min(HW, p0 + kRun);
    for (int64_t p = p0; p < p1; ++p) f(p, run);
    for (int64_t c = 0; c < C; ++c) acc[c] += run[c];
  }
}

/** Σ over each group's channels of v[c] (times w[c] when given), divided by n → out[g]. */
void groupMeans(const double* v, const float* w, int64_t C, int64_t G, double n, double* out) {
  const int64_t cg = C / G;
  for (int64_t g = 0; g < G; ++g) {
    double s = 0;
    for (int64_t c = g * cg; c < (g + 1) * cg; ++c) s += w ? v[c] * w[c] : v[c];
    out[g] = s / n;
  }
}

napi_value ForwardFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 12, "groupNormForward");
    const int64_t B = args.dim(3), HW = args.dim(4), C = args.dim(5), G = args.dim(6);
    if (G <= 0 || C % G != 0) throw dal::ArgError("groupNormForward: C must split into G groups");
    const float* x = args.f32(0, B * HW * C);
    const float* gamma = args.f32(1, C);
    const float* beta = args.f32(2, C);
    const double eps = args.f64(7);
    const bool silu = args.boolean(8);
    float* out = args.f32(9, B * HW * C);
    float* mean = args.f32(10, B * G);
    float* rstd = args.f32(11, B * G);
    const int64_t cg = C / G;
    const double n = static_cast<double>(HW * cg);
    dal::parallelFor(B, 1, [&](int64_t s, int64_t e) {
      std::vector<double> acc(C), acc2(C), gm(G), gm2(G);
      std::vector<float> run(C), run2(C), mc(C), dm(C), scale(C);
      for (int64_t b = s; b < e; ++b) {
        const float* xb = x + b * HW * C;
        float* ob = out + b * HW * C;
        std::fill(acc.begin(), acc.end(), 0.0);
        channelSums(HW, C, acc.data(), run.data(), [&](int64_t p, float* r) {
          const float* row = xb + p * C;
          for (int64_t c = 0; c < C; ++c) r[c] += row[c];
        });
        groupMeans(acc.data(), nullptr, C, G, n, gm.data());
        for (int64_t c = 0; c < C; ++c) mc[c] = static_cast<float>(gm[c / cg]);
        // Second pass over d = x − m (not E[x²] − μ², which cancels when |μ| ≫ σ); the corrected two-pass form
        // E[d²] − E[d]² removes the rounding of m to float.
        std::fill(acc.begin(), acc.end(), 0.0);
        std::fill(acc2.begin(), acc2.end(), 0.0);
        for (int64_t p0 = 0; p0 < HW; p0 += kRun) {
          std::fill(run.begin(), run.end(), 0.0f);
          std::fill(run2.begin(), run2.end(), 0.0f);
          for (int64_t p = p0; p < std::min(HW, p0 + kRun); ++p) {
            const float* row = xb + p * C;
            for (int64_t c = 0; c < C; ++c) {
              const float d = row[c] - mc[c];
              run[c] += d;
              run2[c] += d * d;
            }
          }
          for (int64_t c = 0; c < C; ++c) {
            acc[c] += run[c];
            acc2[c] += run2[c];
          }
        }
        groupMeans(acc.data(), nullptr, C, G, n, gm.data());
        groupMeans(acc2.data(), nullptr, C, G, n, gm2.data());
        for (int64_t g = 0; g < G; ++g) {
          const double var = std::max(0.0, gm2[g] - gm[g] * gm[g]);
          mean[b * G + g] = mc[g * cg];
          rstd[b * G + g] = static_cast<float>(1.0 / std::sqrt(var + eps));
        }
        // x − μ = (x − m) − E[d]: the float m is off μ by up to half an ulp of μ, E[d] (small, exact enough) corrects it.
        for (int64_t c = 0; c < C; ++c) {
          scale[c] = rstd[b * G + c / cg] * gamma[c];
          dm[c] = static_cast<float>(gm[c / cg]);
        }
        for (int64_t p = 0; p < HW; ++p) {
          const float* row = xb + p * C;
          float* orow = ob + p * C;
          if (silu) {
            for (int64_t c = 0; c < C; ++c) {
              const float y = ((row[c] - mc[c]) - dm[c]) * scale[c] + beta[c];
              orow[c] = y * sigmoidf(y);
            }
          } else {
            for (int64_t c = 0; c < C; ++c) orow[c] = ((row[c] - mc[c]) - dm[c]) * scale[c] + beta[c];
          }
        }
      }
    });
  });
}

/**
 * One pixel row of the backward's first pass: du = dout·SiLU'(u) (or dout) into `du`, and the per-channel sums
 * sumDu += du, sumDuXhat += du·x̂. Restrict pointers and one store per loop keep both loops vectorized.
 */
void duRow(const float* __restrict dout, const float* __restrict x, const float* __restrict mc,
           const float* __restrict dm, const float* __restrict rc, const float* __restrict gamma,
           const float* __restrict beta, int64_t C, bool silu, float* __restrict du, float* __restrict sumDu,
           float* __restrict sumDuXhat) {
  if (silu) {
    for (int64_t c = 0; c < C; ++c) {
      const float y = ((x[c] - mc[c]) - dm[c]) * rc[c] * gamma[c] + beta[c];
      const float sg = sigmoidf(y);
      du[c] = dout[c] * (sg * (1.0f + y * (1.0f - sg)));
    }
  } else {
    for (int64_t c = 0; c < C; ++c) du[c] = dout[c];
  }
  for (int64_t c = 0; c < C; ++c) {
    sumDu[c] += du[c];
    sumDuXhat[c] += du[c] * (((x[c] - mc[c]) - dm[c]) * rc[c]);
  }
}

/** One pixel row of the backward's second pass: dx = du·a − (x − μ)·k2 − k1, du read from and dx written to `dx`. */
void dxRow(const float* __restrict x, const float* __restrict mc, const float* __restrict dm, const float* __restrict a,
           const float* __restrict k1, const float* __restrict k2, int64_t C, float* __restrict dx) {
  for (int64_t c = 0; c < C; ++c) dx[c] = dx[c] * a[c] - ((x[c] - mc[c]) - dm[c]) * k2[c] - k1[c];
}

napi_value BackwardFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 14, "groupNormBackward");
    const int64_t B = args.dim(6), HW = args.dim(7), C = args.dim(8), G = args.dim(9);
    if (G <= 0 || C % G != 0) throw dal::ArgError("groupNormBackward: C must split into G groups");
    const float* dout = args.f32(0, B * HW * C);
    const float* x = args.f32(1, B * HW * C);
    const float* gamma = args.f32(2, C);
    const float* beta = args.f32(3, C);
    const float* mean = args.f32(4, B * G);
    const float* rstd = args.f32(5, B * G);
    const bool silu = args.boolean(10);
    float* dx = args.f32(11, B * HW * C);
    float* dgamma = args.f32(12, C);
    float* dbeta = args.f32(13, C);
    const int64_t cg = C / G;
    const double n = static_cast<double>(HW * cg);
    // Per-sample sums of dβ, dγ ([B, C]), reduced over B at the end (deterministic for any thread count).
    std::vector<double> pg(B * C, 0.0), pb(B * C, 0.0);
    dal::parallelFor(B, 1, [&](int64_t s, int64_t e) {
      std::vector<float> run(C), run2(C), mc(C), dm(C), rc(C), a(C), k1(C), k2(C);
      std::vector<double> acc(C), m1(G), m2(G);
      for (int64_t b = s; b < e; ++b) {
        const int64_t base = b * HW * C;
        for (int64_t c = 0; c < C; ++c) {
          mc[c] = mean[b * G + c / cg];
          rc[c] = rstd[b * G + c / cg];
        }
        // E[x − m] per group, as the forward computed it: x̂ = ((x − m) − E[x − m])·r.
        std::fill(acc.begin(), acc.end(), 0.0);
        channelSums(HW, C, acc.data(), run.data(), [&](int64_t p, float* rr) {
          const float* row = x + base + p * C;
          for (int64_t c = 0; c < C; ++c) rr[c] += row[c] - mc[c];
        });
        groupMeans(acc.data(), nullptr, C, G, n, m1.data());
        for (int64_t c = 0; c < C; ++c) dm[c] = static_cast<float>(m1[c / cg]);
        double* s1 = pb.data() + b * C;  // Σ_hw du
        double* s2 = pg.data() + b * C;  // Σ_hw du·x̂
        // Pass 1: du = dout·SiLU'(u) (kept in dx), and its per-channel sums.
        for (int64_t p0 = 0; p0 < HW; p0 += kRun) {
          std::fill(run.begin(), run.end(), 0.0f);
          std::fill(run2.begin(), run2.end(), 0.0f);
          for (int64_t p = p0; p < std::min(HW, p0 + kRun); ++p) {
            const int64_t o = base + p * C;
            duRow(dout + o, x + o, mc.data(), dm.data(), rc.data(), gamma, beta, C, silu, dx + o, run.data(), run2.data());
          }
          for (int64_t c = 0; c < C; ++c) {
            s1[c] += run[c];
            s2[c] += run2[c];
          }
        }
        // dx = r·(γ·du − m1 − x̂·m2), m1 = (1/N) Σ_{c∈g} γ_c Σ_hw du, m2 = (1/N) Σ_{c∈g} γ_c Σ_hw du·x̂,
        // folded into per-channel coefficients: dx = du·a − (x − μ)·k2 − k1.
        groupMeans(s1, gamma, C, G, n, m1.data());
        groupMeans(s2, gamma, C, G, n, m2.data());
        for (int64_t c = 0; c < C; ++c) {
          const float r = rc[c], g1 = static_cast<float>(m1[c / cg]), g2 = static_cast<float>(m2[c / cg]);
          a[c] = r * gamma[c];
          k2[c] = r * r * g2;
          k1[c] = r * g1;
        }
        for (int64_t p = 0; p < HW; ++p) {
          const int64_t o = base + p * C;
          dxRow(x + o, mc.data(), dm.data(), a.data(), k1.data(), k2.data(), C, dx + o);
        }
      }
    });
    for (int64_t c = 0; c < C; ++c) {
      double ga = 0, be = 0;
      for (int64_t b = 0; b < B; ++b) {
        ga += pg[b * C + c];
        be += pb[b * C + c];
      }
      dgamma[c] = static_cast<float>(ga);
      dbeta[c] = static_cast<float>(be);
    }
  });
}

static dal::Export e1("groupNormForward", ForwardFn);
static dal::Export e2("groupNormBackward", BackwardFn);

}  // namespace
