// SGEMM in the BLIS/GotoBLAS structure (Van Zee & van de Geijn, "BLIS", ACM TOMS 2015): the jc/pc/ic loops block for
// L3/L2, op(A) and op(B) are packed into MR-row / NR-column micro-panels (transposes resolved while packing), and an
// FMA micro-kernel keeps an MR×NR tile of C in registers. Threads split M or N (or K, in fixed chunks, for the
// tall-skinny dW = Xᵀ·dY products); every split is independent of the thread count, so results are bit-identical
// for any DAL_NUM_THREADS. Exports `matmul` and `numThreads` to JS.
#include "gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm_kernel.h"  // MR, NR, microKernel, packRowsMR (and <immintrin.h> on x86)
#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace dal {
namespace {

using gemm_detail::MR;
using gemm_detail::NR;

// Cache blocking, measured on Zen 5 (48 KB L1d, 1 MB L2 per core): a deep K block (whole K up to 768, so a 3×3×64
// conv is one block and C is loaded/stored once) beats an L1-resident B micro-panel; MC×KC of A (≈340 KB) stays in
// L2 and KC×NC of B in L2/L3. Override with -DDAL_GEMM_KC / -DDAL_GEMM_MCR when tuning.
#ifndef DAL_GEMM_KC
#define DAL_GEMM_KC 768
#endif
#ifndef DAL_GEMM_DIRECT
#define DAL_GEMM_DIRECT 1
#endif
#ifndef DAL_GEMM_MCR
#define DAL_GEMM_MCR 8
#endif
constexpr int64_t KC = DAL_GEMM_KC;
constexpr int64_t MC = MR * DAL_GEMM_MCR;
constexpr int64_t NC = NR * 64;

/** A strided matrix: element (i, j) is p[i·rs + j·cs]. */
struct View {
  const float* p;
  int64_t rs, cs;
};

/** Everything one GEMM needs, with C and the bias given by strides so that Cᵀ = Bᵀ·Aᵀ is the same problem. */
struct Problem {
  View A, B;  // op(A) m×k, op(B) k×n
  float* C;
  int64_t rsC, csC;
  int64_t m, n, k;
  const float* bias;
  int64_t biasRs, biasCs;  // bias for C(i, j) is bias[i·biasRs + j·biasCs]
  int activation;
  float leakyAlpha;
  bool accumulate;
};

/** A 64-byte aligned scratch buffer that only grows; one per thread per role. */
struct Scratch {
  float* p = nullptr;
  size_t cap = 0;
  float* get(size_t n) {
    if (n > cap) {
      std::free(p);
      size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
      p = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (!p) throw std::bad_alloc();
      cap = n;
    }
    return p;
  }
  ~Scratch() { std::free(p); }
};
thread_local Scratch tlsPackA, tlsPackB;

/** Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A) into MR-row micro-panels (p-major inside a panel). */
void packA(const View& A, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* dst) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    const int64_t mr = std::min<int64_t>(MR, mc - ir);
    float* d = dst + ir * kc;
    if (A.rs == 1) {  // transposed storage: MR consecutive rows are contiguous for a fixed p
      const float* s = A.p + (i0 + ir) + p0 * A.cs;
      if (mr == MR) {
        for (int64_t p = 0; p < kc; ++p) std::memcpy(d + p * MR, s + p * A.cs, MR * sizeof(float));
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int64_t i = 0; i < mr; ++i) d[p * MR + i] = s[p * A.cs + i];
          for (int64_t i = mr; i < MR; ++i) d[p * MR + i] = 0.f;
        }
      }
    } else {
      const float* rows[MR];
      for (int64_t i = 0; i < MR; ++i) rows[i] = A.p + (i0 + ir + std::min<int64_t>(i, mr - 1)) * A.rs + p0 * A.cs;
      if (A.cs == 1 && mr == MR) {
        gemm_detail::packRowsMR(rows, kc, d);
      } else {
        for (int64_t p = 0; p < kc; ++p) {
          for (int64_t i = 0; i < MR; ++i) d[p * MR + i] = i < mr ? rows[i][p * A.cs] : 0.f;
        }
      }
    }
  }
}

/** Packs rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into NR-column micro-panels. */
void packB(const View& B, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* dst) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int64_t nr = std::min<int64_t>(NR, nc - jr);
    float* d = dst + jr * kc;
    if (B.cs == 1) {
      const float* s = B.p + p0 * B.rs + (j0 + jr);
      for (int64_t p = 0; p < kc; ++p) {
        std::memcpy(d + p * NR, s + p * B.rs, nr * sizeof(float));
        for (int64_t j = nr; j < NR; ++j) d[p * NR + j] = 0.f;
      }
    } else {
      for (int64_t j = 0; j < NR; ++j) {
        if (j < nr) {
          const float* s = B.p + p0 * B.rs + (j0 + jr + j) * B.cs;
          for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = s[p * B.rs];
        } else {
          for (int64_t p = 0; p < kc; ++p) d[p * NR + j] = 0.f;
        }
      }
    }
  }
}

template <int Act>
inline float activate(float v, float alpha) {
  if constexpr (Act == kActRelu) return v > 0.f ? v : 0.f;
  if constexpr (Act == kActRelu6) return std::min(std::max(v, 0.f), 6.f);
  if constexpr (Act == kActSigmoid) return 1.f / (1.f + std::exp(-v));
  if constexpr (Act == kActElu) return v > 0.f ? v : std::expm1(v);
  if constexpr (Act == kActLeakyRelu) return v < 0.f ? alpha * v : v;
  return v;
}

template <int Act>
void epilogueTile(const Problem& P, int64_t i0, int64_t j0, int64_t mr, int64_t nr) {
  for (int64_t i = 0; i < mr; ++i) {
    float* c = P.C + (i0 + i) * P.rsC + j0 * P.csC;
    if (P.bias) {
      const float* b = P.bias + (i0 + i) * P.biasRs + j0 * P.biasCs;
      if (P.csC == 1 && P.biasCs == 1) {
        for (int64_t j = 0; j < nr; ++j) c[j] = activate<Act>(c[j] + b[j], P.leakyAlpha);
      } else {
        for (int64_t j = 0; j < nr; ++j) c[j * P.csC] = activate<Act>(c[j * P.csC] + b[j * P.biasCs], P.leakyAlpha);
      }
    } else if constexpr (Act != kActNone) {
      for (int64_t j = 0; j < nr; ++j) c[j * P.csC] = activate<Act>(c[j * P.csC], P.leakyAlpha);
    }
  }
}

void epilogue(const Problem& P, int64_t i0, int64_t j0, int64_t mr, int64_t nr) {
  switch (P.activation) {
    case kActRelu: return epilogueTile<kActRelu>(P, i0, j0, mr, nr);
    case kActRelu6: return epilogueTile<kActRelu6>(P, i0, j0, mr, nr);
    case kActSigmoid: return epilogueTile<kActSigmoid>(P, i0, j0, mr, nr);
    case kActElu: return epilogueTile<kActElu>(P, i0, j0, mr, nr);
    case kActLeakyRelu: return epilogueTile<kActLeakyRelu>(P, i0, j0, mr, nr);
    default: return epilogueTile<kActNone>(P, i0, j0, mr, nr);
  }
}

/**
 * C[i0:i1, j0:j1] (+)= op(A)[i0:i1, p0:p1] · op(B)[p0:p1, j0:j1], single-threaded; the bias/activation epilogue runs
 * after the last K block when withEpilogue. `accumulate` says whether the first K block adds to C.
 */
void gemmRange(const Problem& P, int64_t i0, int64_t i1, int64_t j0, int64_t j1, int64_t p0, int64_t p1,
               bool accumulate, bool withEpilogue) {
  float* bufB = tlsPackB.get(KC * std::min<int64_t>(NC, ((j1 - j0 + NR - 1) / NR) * NR));
  float* bufA = tlsPackA.get(KC * std::min<int64_t>(MC, ((i1 - i0 + MR - 1) / MR) * MR));
  alignas(64) float tile[MR * NR];
  // Row-major A used in place when few NR tiles would reuse a packed copy (conv patch blocks: n = Cout ≤ 64).
  const bool directA = DAL_GEMM_DIRECT && gemm_detail::kUnpackedA && (P.A.cs == 1 || P.A.rs == 1) && j1 - j0 <= 2 * NR;
  for (int64_t jc = j0; jc < j1; jc += NC) {
    const int64_t nc = std::min(NC, j1 - jc);
    // K blocks of equal size (at most KC): k = 576 runs as 2×288, not 512 + 64.
    const int64_t kBlocks = (p1 - p0 + KC - 1) / KC;
    for (int64_t kb = 0, pc = p0; kb < kBlocks; ++kb, pc = p0 + (p1 - p0) * kb / kBlocks) {
      const int64_t kc = p0 + (p1 - p0) * (kb + 1) / kBlocks - pc;
      const bool acc = accumulate || pc > p0;
      const bool last = withEpilogue && pc + kc >= p1;
      packB(P.B, pc, kc, jc, nc, bufB);
      for (int64_t ic = i0; ic < i1; ic += MC) {
        const int64_t mc = std::min(MC, i1 - ic);
        if (!directA) packA(P.A, ic, mc, pc, kc, bufA);
        for (int64_t jr = 0; jr < nc; jr += NR) {
          const int nr = static_cast<int>(std::min<int64_t>(NR, nc - jr));
          const float* bp = bufB + jr * kc;
          for (int64_t ir = 0; ir < mc; ir += MR) {
            const int mr = static_cast<int>(std::min<int64_t>(MR, mc - ir));
            const float* ap = directA ? P.A.p + (ic + ir) * P.A.rs + pc * P.A.cs : bufA + ir * kc;
            const int64_t lda = !directA ? 0 : P.A.cs == 1 ? P.A.rs : -P.A.cs;
            float* c = P.C + (ic + ir) * P.rsC + (jc + jr) * P.csC;
            if (P.csC == 1) {
              gemm_detail::microKernel(mr, nr, kc, ap, lda, bp, c, P.rsC, acc);
            } else {  // strided C (the transposed problem): compute into a tile, then scatter
              gemm_detail::microKernel(mr, nr, kc, ap, lda, bp, tile, NR, false);
              for (int i = 0; i < mr; ++i) {
                float* crow = c + i * P.rsC;
                for (int j = 0; j < nr; ++j) crow[j * P.csC] = (acc ? crow[j * P.csC] : 0.f) + tile[i * NR + j];
              }
            }
            if (last && (P.bias || P.activation != kActNone)) epilogue(P, ic + ir, jc + jr, mr, nr);
          }
        }
      }
    }
  }
}

int poolThreads() { return ThreadPool::inParallelRegion() ? 1 : ThreadPool::instance().threads(); }

/** Fixed (thread-count independent) K chunking for tall-skinny products; 0 = do not split K. */
int64_t splitKChunks(const Problem& P) {
  if (P.k < 8192 || P.m * P.n > (1 << 18) || P.k < 16 * std::max(P.m, P.n)) return 0;
  return std::min<int64_t>(16, P.k / 4096);
}

void runSplitK(const Problem& P, int64_t chunks) {
  const int64_t mn = P.m * P.n;
  std::vector<float> partial(static_cast<size_t>((chunks - 1) * mn));
  // Chunk 0 goes straight into C (honouring accumulate); the others into private row-major m×n partials.
  parallelFor(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t p0 = P.k * c / chunks, p1 = P.k * (c + 1) / chunks;
      if (c == 0) {
        Problem Q = P;
        gemmRange(Q, 0, P.m, 0, P.n, p0, p1, P.accumulate, false);
      } else {
        Problem Q = P;
        Q.C = partial.data() + (c - 1) * mn;
        Q.rsC = P.n;
        Q.csC = 1;
        gemmRange(Q, 0, P.m, 0, P.n, p0, p1, false, false);
      }
    }
  });
  parallelFor(P.m, 16, [&](int64_t r0, int64_t r1) {
    for (int64_t i = r0; i < r1; ++i) {
      float* c = P.C + i * P.rsC;
      for (int64_t ch = 1; ch < chunks; ++ch) {
        const float* s = partial.data() + (ch - 1) * mn + i * P.n;
        for (int64_t j = 0; j < P.n; ++j) c[j * P.csC] += s[j];
      }
      if (P.bias || P.activation != kActNone) epilogue(P, i, 0, 1, P.n);
    }
  });
}

#if defined(__AVX512F__)
/** C row i = op(A) row i · op(B) for a narrow C (n ≤ 8) and row-major A: n dot products per row, B kept as Bᵀ. */
template <int Nn>
void narrowRows(const Problem& P, const float* bt, int64_t i0, int64_t i1) {
  const int64_t k = P.k;
  for (int64_t i = i0; i < i1; ++i) {
    const float* a = P.A.p + i * P.A.rs;
    __m512 acc[Nn];
#pragma GCC unroll 8
    for (int j = 0; j < Nn; ++j) acc[j] = _mm512_setzero_ps();
    for (int64_t p = 0; p < k; p += 16) {
      const __mmask16 m = k - p >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << (k - p)) - 1);
      const __m512 av = _mm512_maskz_loadu_ps(m, a + p);
#pragma GCC unroll 8
      for (int j = 0; j < Nn; ++j) acc[j] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m, bt + j * k + p), acc[j]);
    }
    float* c = P.C + i * P.rsC;
#pragma GCC unroll 8
    for (int j = 0; j < Nn; ++j) {
      const float v = _mm512_reduce_add_ps(acc[j]);
      c[j * P.csC] = P.accumulate ? c[j * P.csC] + v : v;
    }
    if (P.bias || P.activation != kActNone) epilogue(P, i, 0, 1, Nn);
  }
}

bool runNarrow(const Problem& P) {
  if (P.n > 8 || P.A.cs != 1 || P.k > 4096) return false;
  std::vector<float> bt(static_cast<size_t>(P.n * P.k));
  for (int64_t j = 0; j < P.n; ++j) {
    for (int64_t p = 0; p < P.k; ++p) bt[j * P.k + p] = P.B.p[p * P.B.rs + j * P.B.cs];
  }
  const int64_t grain = std::max<int64_t>(16, 65536 / std::max<int64_t>(1, P.k * P.n));
  parallelFor(P.m, grain, [&](int64_t i0, int64_t i1) {
    switch (P.n) {
      case 1: return narrowRows<1>(P, bt.data(), i0, i1);
      case 2: return narrowRows<2>(P, bt.data(), i0, i1);
      case 3: return narrowRows<3>(P, bt.data(), i0, i1);
      case 4: return narrowRows<4>(P, bt.data(), i0, i1);
      case 5: return narrowRows<5>(P, bt.data(), i0, i1);
      case 6: return narrowRows<6>(P, bt.data(), i0, i1);
      case 7: return narrowRows<7>(P, bt.data(), i0, i1);
      default: return narrowRows<8>(P, bt.data(), i0, i1);
    }
  });
  return true;
}
#else
bool runNarrow(const Problem&) { return false; }
#endif

void run(Problem P) {
  if (P.m <= 0 || P.n <= 0) return;
  if (P.k <= 0) {
    for (int64_t i = 0; i < P.m; ++i) {
      for (int64_t j = 0; j < P.n; ++j) {
        float& c = P.C[i * P.rsC + j * P.csC];
        if (!P.accumulate) c = 0.f;
      }
      if (P.bias || P.activation != kActNone) epilogue(P, i, 0, 1, P.n);
    }
    return;
  }
  if (P.n <= 8 && runNarrow(P)) return;
  // A narrow C wastes most of an NR-wide tile: compute Cᵀ = op(B)ᵀ·op(A)ᵀ instead, whose rows are cheap.
  if (P.n < NR / 2 && P.m > P.n) {
    Problem T = P;
    T.A = {P.B.p, P.B.cs, P.B.rs};
    T.B = {P.A.p, P.A.cs, P.A.rs};
    T.rsC = P.csC;
    T.csC = P.rsC;
    T.m = P.n;
    T.n = P.m;
    T.biasRs = P.biasCs;
    T.biasCs = P.biasRs;
    P = T;
  }
  if (int64_t chunks = splitKChunks(P)) return runSplitK(P, chunks);
  const int threads = poolThreads();
  const double flops = 2.0 * P.m * P.n * P.k;
  const int64_t tilesM = (P.m + MR - 1) / MR, tilesN = (P.n + NR - 1) / NR;
  if (threads <= 1 || flops < 2e5 || (tilesM < 2 && tilesN < 2)) {
    gemmRange(P, 0, P.m, 0, P.n, 0, P.k, P.accumulate, true);
    return;
  }
  // Split the dimension with more tiles (per-element results do not depend on the split).
  const bool splitM = tilesM * NR >= tilesN * MR || tilesN < 2;
  const int64_t tiles = splitM ? tilesM : tilesN;
  const int64_t parts = std::min<int64_t>(threads, tiles);
  parallelFor(parts, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t a = tiles * t / parts, b = tiles * (t + 1) / parts;
      if (splitM) {
        gemmRange(P, a * MR, std::min(P.m, b * MR), 0, P.n, 0, P.k, P.accumulate, true);
      } else {
        gemmRange(P, 0, P.m, a * NR, std::min(P.n, b * NR), 0, P.k, P.accumulate, true);
      }
    }
  });
}

Problem makeProblem(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda,
                    const float* B, int64_t ldb, float* C, int64_t ldc, const Epilogue& ep) {
  Problem P;
  P.A = transA ? View{A, 1, lda} : View{A, lda, 1};
  P.B = transB ? View{B, 1, ldb} : View{B, ldb, 1};
  P.C = C;
  P.rsC = ldc;
  P.csC = 1;
  P.m = m;
  P.n = n;
  P.k = k;
  P.bias = ep.bias;
  P.biasRs = 0;
  P.biasCs = 1;
  P.activation = ep.activation;
  P.leakyAlpha = ep.leakyAlpha;
  P.accumulate = ep.accumulate;
  return P;
}

}  // namespace

void applyActivation(float* x, int64_t n, int activation, float leakyAlpha) {
  Problem P{};
  P.C = x;
  P.rsC = n;
  P.csC = 1;
  P.activation = activation;
  P.leakyAlpha = leakyAlpha;
  epilogue(P, 0, 0, 1, n);
}

void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, const Epilogue& ep) {
  run(makeProblem(transA, transB, m, n, k, A, lda, B, ldb, C, ldc, ep));
}

void sgemmBatched(int64_t batch, bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A,
                  int64_t strideA, const float* B, int64_t strideB, float* C, const Epilogue& ep) {
  const int64_t lda = transA ? m : k, ldb = transB ? k : n;
  auto item = [&](int64_t b) {
    sgemm(transA, transB, m, n, k, A + b * strideA, lda, B + b * strideB, ldb, C + b * m * n, n, ep);
  };
  const int threads = poolThreads();
  const double itemFlops = 2.0 * m * n * k;
  // Many small items: one item per task. Few large ones: each item uses all threads.
  if (threads > 1 && batch > 1 && (batch >= 4 * threads || itemFlops < 4e6)) {
    parallelFor(batch, 1, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) item(b);
    });
  } else {
    for (int64_t b = 0; b < batch; ++b) item(b);
  }
}

namespace {

// matmul(a, b, out, batch, m, n, k, transA, transB, aBatchStride, bBatchStride, bias, activation, leakyAlpha)
napi_value jsMatmul(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 14, "matmul");
    const int64_t batch = a.dim(3), m = a.dim(4), n = a.dim(5), k = a.dim(6);
    const bool transA = a.boolean(7), transB = a.boolean(8);
    const int64_t sa = a.dim(9), sb = a.dim(10);
    const float* A = a.f32(0, batch > 0 ? (batch - 1) * sa + m * k : 0);
    const float* B = a.f32(1, batch > 0 ? (batch - 1) * sb + k * n : 0);
    float* C = a.f32(2, batch * m * n);
    Epilogue ep;
    ep.bias = a.f32OrNull(11, n);
    ep.activation = static_cast<int>(a.i64(12));
    ep.leakyAlpha = static_cast<float>(a.f64(13));
    if (ep.activation < kActNone || ep.activation > kActLeakyRelu) throw ArgError("matmul: unknown activation code");
    sgemmBatched(batch, transA, transB, m, n, k, A, sa, B, sb, C, ep);
  });
}

napi_value jsNumThreads(napi_env env, napi_callback_info) {
  return toJs(env, ThreadPool::instance().threads());
}

Export eMatmul("matmul", jsMatmul);
Export eNumThreads("numThreads", jsNumThreads);

}  // namespace
}  // namespace dal
