// 2-D convolution (NHWC, filter [KH,KW,Cin,Cout]) and both of its gradients as GEMMs over blocks of patch rows
// that stay in L2 (im2col, Chellapilla et al. 2006, done block-wise instead of materialising [N·OH·OW, KH·KW·Cin]):
//   forward      y[pix, co]  = Σ_(ky,kx,ci) x[patch(pix)]·w            (patches of x  · w)
//   grad input   dx[pix, ci] = Σ_(ky,kx,co) dy[taps(pix)]·w[ky,kx,ci,co] (gathered dy · per-tap wᵀ; no scatter-add;
//                strided convs split into stride² phase classes with only their contributing taps)
//   grad filter  dw          = Σ_blocks patches(x)ᵀ · dy                 (fixed groups of blocks, summed in order)
// Block and group boundaries never depend on the thread count, so results are bit-identical for any
// DAL_NUM_THREADS. Exports conv2d, conv2dBackpropInput, conv2dBackpropFilter.
#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"
#include "gemm_kernel.h"  // gemm_detail::MR: blocks of whole row tiles
#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace dal {
namespace {

struct ConvGeom {
  int64_t N, H, W, Cin, OH, OW, Cout, KH, KW, sH, sW, padT, padL, dH, dW;
  int64_t patch() const { return KH * KW * Cin; }  // K of the forward / filter GEMMs
  int64_t taps() const { return KH * KW * Cout; }   // K of the input-gradient GEMM
  bool pointwise() const {
    return KH == 1 && KW == 1 && sH == 1 && sW == 1 && padT == 0 && padL == 0 && OH == H && OW == W;
  }
};

/** A grow-only aligned per-thread buffer for patch blocks. */
struct ColBuffer {
  std::vector<float> v;
  float* get(size_t n) {
    if (v.size() < n) v.resize(n);
    return v.data();
  }
};
thread_local ColBuffer tlsCols;

/** Rows per block so that a block of `width` floats per row is about `bytes` (whole GEMM row tiles, at least 2). */
int64_t blockRows(int64_t width, int64_t bytes) {
  constexpr int64_t mr = gemm_detail::MR;
  int64_t r = bytes / (4 * std::max<int64_t>(1, width));
  return std::max<int64_t>(2 * mr, r / mr * mr);
}

/** Patch rows [r0, r0+rows) of x (one per output pixel), each KH·KW·Cin floats, zeros where the patch is padding. */
void im2col(const float* x, const ConvGeom& g, int64_t r0, int64_t rows, float* dst) {
  const int64_t K = g.patch(), C = g.Cin;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t pix = r0 + r, n = pix / (g.OH * g.OW), oy = pix / g.OW % g.OH, ox = pix % g.OW;
    float* d = dst + r * K;
    const int64_t ix0 = ox * g.sW - g.padL;
    for (int64_t ky = 0; ky < g.KH; ++ky) {
      const int64_t iy = oy * g.sH - g.padT + ky * g.dH;
      if (iy < 0 || iy >= g.H) {
        std::memset(d, 0, g.KW * C * sizeof(float));
        d += g.KW * C;
        continue;
      }
      const float* row = x + ((n * g.H + iy) * g.W) * C;
      if (g.dW == 1 && ix0 >= 0 && ix0 + g.KW <= g.W) {  // the whole kernel row is one contiguous run
        std::memcpy(d, row + ix0 * C, g.KW * C * sizeof(float));
        d += g.KW * C;
        continue;
      }
      for (int64_t kx = 0; kx < g.KW; ++kx, d += C) {
        const int64_t ix = ix0 + kx * g.dW;
        if (ix < 0 || ix >= g.W) {
          std::memset(d, 0, C * sizeof(float));
        } else {
          std::memcpy(d, row + ix * C, C * sizeof(float));
        }
      }
    }
  }
}

/**
 * The input pixels whose position is ≡ (ry, rx) modulo the stride, and the taps that reach them: only taps with
 * (ry + padT − ky·dH) divisible by sH land on an output pixel, so a stride-2 gradient runs 4 dense GEMMs instead of
 * one with 3/4 zeros (the sub-pixel decomposition of a transposed convolution).
 */
struct PhaseClass {
  int64_t ry, rx, Hr, Wr;        // first row/col of the class and its pixel counts per image
  std::vector<int64_t> kys, kxs;  // contributing taps
  int64_t pixels(const ConvGeom& g) const { return g.N * Hr * Wr; }
  int64_t width(const ConvGeom& g) const { return static_cast<int64_t>(kys.size() * kxs.size()) * g.Cout; }
};

PhaseClass phaseClass(const ConvGeom& g, int64_t ry, int64_t rx) {
  PhaseClass c{ry, rx, ry < g.H ? (g.H - ry + g.sH - 1) / g.sH : 0, rx < g.W ? (g.W - rx + g.sW - 1) / g.sW : 0, {}, {}};
  auto mod = [](int64_t a, int64_t m) { return ((a % m) + m) % m; };
  for (int64_t ky = 0; ky < g.KH; ++ky) {
    if (mod(ry + g.padT - ky * g.dH, g.sH) == 0) c.kys.push_back(ky);
  }
  for (int64_t kx = 0; kx < g.KW; ++kx) {
    if (mod(rx + g.padL - kx * g.dW, g.sW) == 0) c.kxs.push_back(kx);
  }
  return c;
}

/** Class pixel q → (n, iy, ix). */
inline void classPixel(const ConvGeom& g, const PhaseClass& c, int64_t q, int64_t& n, int64_t& iy, int64_t& ix) {
  n = q / (c.Hr * c.Wr);
  iy = c.ry + g.sH * (q / c.Wr % c.Hr);
  ix = c.rx + g.sW * (q % c.Wr);
}

/** Rows [q0, q0+rows) of the class: for each pixel, the dy values reaching it through each class tap (or zeros). */
void gatherTaps(const float* dy, const ConvGeom& g, const PhaseClass& c, int64_t q0, int64_t rows, float* dst) {
  const int64_t C = g.Cout;
  float* d = dst;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t n, iy, ix;
    classPixel(g, c, q0 + r, n, iy, ix);
    for (int64_t ky : c.kys) {
      const int64_t ty = iy + g.padT - ky * g.dH, oy = ty / g.sH;
      const bool rowOk = ty >= 0 && oy < g.OH;
      for (int64_t kx : c.kxs) {
        const int64_t tx = ix + g.padL - kx * g.dW, ox = tx / g.sW;
        if (rowOk && tx >= 0 && ox < g.OW) {
          std::memcpy(d, dy + ((n * g.OH + oy) * g.OW + ox) * C, C * sizeof(float));
        } else {
          std::memset(d, 0, C * sizeof(float));
        }
        d += C;
      }
    }
  }
}

/**
 * Runs body(r0, rows) over [0, total) in blocks of `block` rows: blocks in parallel when there are enough of them,
 * else one after the other (each body then parallelises its own GEMM).
 */
template <class F>
void forBlocks(int64_t total, int64_t block, F&& body) {
  const int64_t blocks = (total + block - 1) / block;
  auto run = [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) body(b * block, std::min(block, total - b * block));
  };
  if (blocks >= 2 * ThreadPool::instance().threads()) {
    parallelFor(blocks, 1, run);
  } else {
    run(0, blocks);
  }
}

void conv2d(const float* x, const float* w, float* y, const ConvGeom& g, const Epilogue& ep) {
  const int64_t M = g.N * g.OH * g.OW, K = g.patch();
  if (g.pointwise()) return sgemm(false, false, M, g.Cout, K, x, K, w, g.Cout, y, g.Cout, ep);
  forBlocks(M, blockRows(K, 256 << 10), [&](int64_t r0, int64_t rows) {
    float* cols = tlsCols.get(rows * K);
    im2col(x, g, r0, rows, cols);
    sgemm(false, false, rows, g.Cout, K, cols, K, w, g.Cout, y + r0 * g.Cout, g.Cout, ep);
  });
}

void conv2dBackpropInput(const float* dy, const float* w, float* dx, const ConvGeom& g) {
  const int64_t M = g.N * g.H * g.W;
  if (g.pointwise()) return sgemm(false, true, M, g.Cin, g.Cout, dy, g.Cout, w, g.Cout, dx, g.Cin);
  const bool unitStride = g.sH == 1 && g.sW == 1;  // one class, whose pixels are dx's rows in order
  for (int64_t ry = 0; ry < g.sH; ++ry) {
    for (int64_t rx = 0; rx < g.sW; ++rx) {
      const PhaseClass c = phaseClass(g, ry, rx);
      const int64_t Mr = c.pixels(g), K = c.width(g);
      if (Mr == 0) continue;
      if (K == 0) {  // no tap reaches these pixels
        for (int64_t q = 0; q < Mr; ++q) {
          int64_t n, iy, ix;
          classPixel(g, c, q, n, iy, ix);
          std::memset(dx + ((n * g.H + iy) * g.W + ix) * g.Cin, 0, g.Cin * sizeof(float));
        }
        continue;
      }
      // wt[(ky,kx,co), ci] = w[ky,kx,ci,co] over the class taps
      std::vector<float> wt(static_cast<size_t>(K * g.Cin));
      float* o = wt.data();
      for (int64_t ky : c.kys) {
        for (int64_t kx : c.kxs) {
          const float* wk = w + (ky * g.KW + kx) * g.Cin * g.Cout;
          for (int64_t co = 0; co < g.Cout; ++co, o += g.Cin) {
            for (int64_t ci = 0; ci < g.Cin; ++ci) o[ci] = wk[ci * g.Cout + co];
          }
        }
      }
      forBlocks(Mr, blockRows(K, 256 << 10), [&](int64_t q0, int64_t rows) {
        float* cols = tlsCols.get(rows * (K + (unitStride ? 0 : g.Cin)));
        gatherTaps(dy, g, c, q0, rows, cols);
        if (unitStride) return sgemm(false, false, rows, g.Cin, K, cols, K, wt.data(), g.Cin, dx + q0 * g.Cin, g.Cin);
        float* out = cols + rows * K;
        sgemm(false, false, rows, g.Cin, K, cols, K, wt.data(), g.Cin, out, g.Cin);
        for (int64_t r = 0; r < rows; ++r) {
          int64_t n, iy, ix;
          classPixel(g, c, q0 + r, n, iy, ix);
          std::memcpy(dx + ((n * g.H + iy) * g.W + ix) * g.Cin, out + r * g.Cin, g.Cin * sizeof(float));
        }
      });
    }
  }
}

void conv2dBackpropFilter(const float* x, const float* dy, float* dw, const ConvGeom& g) {
  const int64_t M = g.N * g.OH * g.OW, K = g.patch(), KC = K * g.Cout;
  if (g.pointwise() || M == 0) return sgemm(true, false, K, g.Cout, M, x, K, dy, g.Cout, dw, g.Cout);
  const int64_t block = std::max<int64_t>(256, blockRows(K, 512 << 10));
  const int64_t blocks = (M + block - 1) / block;
  if (blocks == 1) {
    float* cols = tlsCols.get(M * K);
    im2col(x, g, 0, M, cols);
    return sgemm(true, false, K, g.Cout, M, cols, K, dy, g.Cout, dw, g.Cout);
  }
  // Fixed groups of consecutive blocks, each summed into its own partial (group 0 into dw), then added in order.
  const int64_t groups = std::min<int64_t>(8, blocks);
  std::vector<float> partial(static_cast<size_t>((groups - 1) * KC));
  parallelFor(groups, 1, [&](int64_t g0, int64_t g1) {
    for (int64_t gi = g0; gi < g1; ++gi) {
      float* acc = gi == 0 ? dw : partial.data() + (gi - 1) * KC;
      const int64_t b0 = blocks * gi / groups, b1 = blocks * (gi + 1) / groups;
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t r0 = b * block, rows = std::min(block, M - r0);
        float* cols = tlsCols.get(rows * K);
        im2col(x, g, r0, rows, cols);
        Epilogue ep;
        ep.accumulate = b > b0;
        sgemm(true, false, K, g.Cout, rows, cols, K, dy + r0 * g.Cout, g.Cout, acc, g.Cout, ep);
      }
    }
  });
  parallelFor(KC, 4096, [&](int64_t i0, int64_t i1) {
    for (int64_t gi = 1; gi < groups; ++gi) {
      const float* p = partial.data() + (gi - 1) * KC;
      for (int64_t i = i0; i < i1; ++i) dw[i] += p[i];
    }
  });
}

/** Reads the 15 geometry integers starting at argument `first`, checking them. */
ConvGeom readGeom(Args& a, size_t first, const char* name) {
  ConvGeom g;
  int64_t* f[] = {&g.N, &g.H, &g.W, &g.Cin, &g.OH, &g.OW, &g.Cout, &g.KH, &g.KW,
                  &g.sH, &g.sW, &g.padT, &g.padL, &g.dH, &g.dW};
  for (size_t i = 0; i < 15; ++i) *f[i] = a.i64(first + i);
  if (g.N < 0 || g.H < 0 || g.W < 0 || g.Cin < 0 || g.OH < 0 || g.OW < 0 || g.Cout < 0 || g.KH < 1 || g.KW < 1 ||
      g.sH < 1 || g.sW < 1 || g.dH < 1 || g.dW < 1) {
    throw ArgError(std::string(name) + ": invalid geometry (sizes must be >= 0, kernel/stride/dilation >= 1)");
  }
  return g;
}

napi_value jsConv2d(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 21, "conv2d");
    const ConvGeom g = readGeom(a, 3, "conv2d");
    const float* x = a.f32(0, g.N * g.H * g.W * g.Cin);
    const float* w = a.f32(1, g.KH * g.KW * g.Cin * g.Cout);
    float* y = a.f32(2, g.N * g.OH * g.OW * g.Cout);
    Epilogue ep;
    ep.bias = a.f32OrNull(18, g.Cout);
    ep.activation = static_cast<int>(a.i64(19));
    ep.leakyAlpha = static_cast<float>(a.f64(20));
    if (ep.activation < kActNone || ep.activation > kActLeakyRelu) throw ArgError("conv2d: unknown activation code");
    conv2d(x, w, y, g, ep);
  });
}

napi_value jsConv2dBackpropInput(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 18, "conv2dBackpropInput");
    const ConvGeom g = readGeom(a, 3, "conv2dBackpropInput");
    const float* dy = a.f32(0, g.N * g.OH * g.OW * g.Cout);
    const float* w = a.f32(1, g.KH * g.KW * g.Cin * g.Cout);
    float* dx = a.f32(2, g.N * g.H * g.W * g.Cin);
    conv2dBackpropInput(dy, w, dx, g);
  });
}

napi_value jsConv2dBackpropFilter(napi_env env, napi_callback_info info) {
  return guarded(env, [&] {
    Args a(env, info, 18, "conv2dBackpropFilter");
    const ConvGeom g = readGeom(a, 3, "conv2dBackpropFilter");
    const float* x = a.f32(0, g.N * g.H * g.W * g.Cin);
    const float* dy = a.f32(1, g.N * g.OH * g.OW * g.Cout);
    float* dw = a.f32(2, g.KH * g.KW * g.Cin * g.Cout);
    conv2dBackpropFilter(x, dy, dw, g);
  });
}

Export eConv2d("conv2d", jsConv2d);
Export eConv2dBackpropInput("conv2dBackpropInput", jsConv2dBackpropInput);
Export eConv2dBackpropFilter("conv2dBackpropFilter", jsConv2dBackpropFilter);

}  // namespace
}  // namespace dal
