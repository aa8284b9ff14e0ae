// Reductions, softmax and transpose of the native backend (float32).
// Exports:
//   reduce(op, x, outer, r, inner, out)  x viewed as [outer, r, inner] reduced over r into out [outer, inner];
//                                        op 0 sum, 1 mean, 2 max, 3 min, 4 prod (sums accumulate in double)
//   softmax(x, rows, cols, out)          row-wise softmax of x [rows, cols]
//   transpose(x, shape, perm, out)       out = x.transpose(perm)
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fast_math.h"
#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace {

using dal::fastExp;

enum ReduceOp { kSum = 0, kMean, kMax, kMin, kProd };

constexpr int64_t kGrain = 16384;

template <int Op>
void reduceRows(const float* x, int64_t outer, int64_t r, float* out) {
  // inner == 1: each output is a contiguous row of r values.
  dal::parallelFor(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, r)), [=](int64_t s, int64_t e) {
    for (int64_t o = s; o < e; ++o) {
      const float* row = x + o * r;
      if constexpr (Op == kSum || Op == kMean) {
        double acc[4] = {0, 0, 0, 0};
        int64_t j = 0;
        for (; j + 4 <= r; j += 4) {
          acc[0] += row[j];
          acc[1] += row[j + 1];
          acc[2] += row[j + 2];
          acc[3] += row[j + 3];
        }
        for (; j < r; ++j) acc[0] += row[j];
        double t = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        out[o] = static_cast<float>(Op == kMean ? t / static_cast<double>(r) : t);
      } else if constexpr (Op == kProd) {
        double t = 1;
        for (int64_t j = 0; j < r; ++j) t *= row[j];
        out[o] = static_cast<float>(t);
      } else {
        float m = row[0];
        for (int64_t j = 1; j < r; ++j) m = Op == kMax ? (row[j] > m ? row[j] : m) : (row[j] < m ? row[j] : m);
        out[o] = m;
      }
    }
  });
}

template <int Op>
void reduceCols(const float* x, int64_t outer, int64_t r, int64_t inner, float* out) {
  // inner > 1: accumulate rows of `inner` values; split over outer, or over inner when outer is small.
  auto body = [=](int64_t o, int64_t i0, int64_t i1) {
    const float* base = x + o * r * inner;
    float* dst = out + o * inner;
    if constexpr (Op == kSum || Op == kMean || Op == kProd) {
      constexpr int64_t kBlock = 256;
      double acc[kBlock];
      for (int64_t b0 = i0; b0 < i1; b0 += kBlock) {
        int64_t bn = std::min(kBlock, i1 - b0);
        for (int64_t i = 0; i < bn; ++i) acc[i] = Op == kProd ? 1.0 : 0.0;
        for (int64_t j = 0; j < r; ++j) {
          const float* row = base + j * inner + b0;
          if constexpr (Op == kProd)
            for (int64_t i = 0; i < bn; ++i) acc[i] *= row[i];
          else
            for (int64_t i = 0; i < bn; ++i) acc[i] += row[i];
        }
        for (int64_t i = 0; i < bn; ++i)
          dst[b0 + i] = static_cast<float>(Op == kMean ? acc[i] / static_cast<double>(r) : acc[i]);
      }
    } else {
      for (int64_t i = i0; i < i1; ++i) dst[i] = base[i];
      for (int64_t j = 1; j < r; ++j) {
        const float* row = base + j * inner;
        for (int64_t i = i0; i < i1; ++i)
          dst[i] = Op == kMax ? (row[i] > dst[i] ? row[i] : dst[i]) : (row[i] < dst[i] ? row[i] : dst[i]);
      }
    }
  };
  if (outer >= dal::ThreadPool::instance().threads()) {
    dal::parallelFor(outer, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, r * inner)), [&](int64_t s, int64_t e) {
      for (int64_t o = s; o < e; ++o) body(o, 0, inner);
    });
  } else {
    for (int64_t o = 0; o < outer; ++o)
      dal::parallelFor(inner, std::max<int64_t>(64, kGrain / std::max<int64_t>(1, r)),
                       [&](int64_t s, int64_t e) { body(o, s, e); });
  }
}

template <int Op>
void runReduce(const float* x, int64_t outer, int64_t r, int64_t inner, float* out) {
  if (r == 0) {
    float init = Op == kProd ? 1.0f : (Op == kMax ? -INFINITY : (Op == kMin ? INFINITY : (Op == kMean ? NAN : 0.0f)));
    std::fill(out, out + outer * inner, init);
  } else if (inner == 1) {
    reduceRows<Op>(x, outer, r, out);
  } else {
    reduceCols<Op>(x, outer, r, inner, out);
  }
}

napi_value ReduceFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 6, "reduce");
    int op = static_cast<int>(args.i64(0));
    const int64_t outer = args.dim(2), r = args.dim(3), inner = args.dim(4);
    float* x = args.f32(1, outer * r * inner);
    float* out = args.f32(5, outer * inner);
    switch (op) {
      case kSum: runReduce<kSum>(x, outer, r, inner, out); break;
      case kMean: runReduce<kMean>(x, outer, r, inner, out); break;
      case kMax: runReduce<kMax>(x, outer, r, inner, out); break;
      case kMin: runReduce<kMin>(x, outer, r, inner, out); break;
      case kProd: runReduce<kProd>(x, outer, r, inner, out); break;
      default: throw dal::ArgError("reduce: unknown op code");
    }
  });
}

napi_value SoftmaxFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 4, "softmax");
    const int64_t rows = args.dim(1), cols = args.dim(2);
    float* x = args.f32(0, rows * cols);
    float* out = args.f32(3, rows * cols);
    dal::parallelFor(rows, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, cols)), [=](int64_t s, int64_t e) {
      for (int64_t o = s; o < e; ++o) {
        const float* xr = x + o * cols;
        float* yr = out + o * cols;
        float m = -INFINITY;
        for (int64_t j = 0; j < cols; ++j) m = xr[j] > m ? xr[j] : m;
        float sum = 0;
        for (int64_t j = 0; j < cols; ++j) {
          float v = fastExp(xr[j] - m);
          yr[j] = v;
          sum += v;
        }
        float inv = 1.0f / sum;
        for (int64_t j = 0; j < cols; ++j) yr[j] *= inv;
      }
    });
  });
}

napi_value TransposeFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 4, "transpose");
    auto shape = args.ints(1);
    auto perm = args.ints(2);
    int64_t size = 1;
    for (int64_t d : shape) size *= d;
    float* x = args.f32(0, size);
    float* out = args.f32(3, size);
    const int64_t rank = static_cast<int64_t>(shape.size());
    if (static_cast<int64_t>(perm.size()) != rank) throw dal::ArgError("transpose: perm length != rank");
    for (int64_t d : perm) {
      if (d < 0 || d >= rank) throw dal::ArgError("transpose: perm entry out of range");
    }
    // Collapse: drop size-1 dims, then merge input dims that stay adjacent and in order under perm.
    std::vector<int64_t> inStride(rank);
    for (int64_t d = rank - 1, st = 1; d >= 0; --d) inStride[d] = st, st *= shape[d];
    std::vector<int64_t> dims, strides;  // output-order dims and the input stride of each
    for (int64_t k = 0; k < rank; ++k) {
      int64_t d = perm[k];
      if (shape[d] == 1) continue;
      if (!dims.empty() && strides.back() == inStride[d] * shape[d]) {
        dims.back() *= shape[d];
        strides.back() = inStride[d];
      } else {
        dims.push_back(shape[d]);
        strides.push_back(inStride[d]);
      }
    }
    int64_t total = 1;
    for (auto v : dims) total *= v;
    if (dims.empty()) {
      if (total == 1) out[0] = x[0];
      return;
    }
    const int64_t R = static_cast<int64_t>(dims.size());
    if (R == 2 && strides[1] != 1) {
      // A 2-D transpose [rows, cols] <- x [cols, rows]: blocked for cache reuse.
      const int64_t rows = dims[0], cols = dims[1];
      constexpr int64_t B = 32;
      dal::parallelFor((rows + B - 1) / B, std::max<int64_t>(1, kGrain / (B * cols)), [=](int64_t s, int64_t e) {
        for (int64_t rb = s * B; rb < std::min(rows, e * B); rb += B)
          for (int64_t cb = 0; cb < cols; cb += B)
            for (int64_t i = rb; i < std::min(rows, rb + B); ++i)
              for (int64_t j = cb; j < std::min(cols, cb + B); ++j) out[i * cols + j] = x[j * rows + i];
      });
      return;
    }
    const int64_t n = dims.back(), sn = strides.back();
    const int64_t rowsN = total / n;
    dal::parallelFor(rowsN, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
      std::vector<int64_t> idx(R, 0);
      int64_t rem = s, off = 0;
      for (int64_t d = R - 2; d >= 0; --d) {
        idx[d] = rem % dims[d];
        rem /= dims[d];
        off += idx[d] * strides[d];
      }
      for (int64_t row = s; row < e; ++row) {
        float* dst = out + row * n;
        const float* src = x + off;
        if (sn == 1)
          std::copy(src, src + n, dst);
        else
          for (int64_t i = 0; i < n; ++i) dst[i] = src[i * sn];
        for (int64_t d = R - 2; d >= 0; --d) {
          ++idx[d];
          off += strides[d];
          if (idx[d] < dims[d]) break;
          off -= idx[d] * strides[d];
          idx[d] = 0;
        }
      }
    });
  });
}

static dal::Export e1("reduce", ReduceFn);
static dal::Export e2("softmax", SoftmaxFn);
static dal::Export e3("transpose", TransposeFn);

}  // namespace
