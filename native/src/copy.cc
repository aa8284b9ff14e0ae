// Strided copies of the native backend, the data movement behind Slice, Concat and PadV2 (float32):
//   stridedCopy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, dims)
// copies, for every multi-index i < dims, src[srcOffset + Σ i·srcStrides] to dst[dstOffset + Σ i·dstStrides].
#include <algorithm>
#include <cstring>
#include <vector>

#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace {

napi_value StridedCopyFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 7, "stridedCopy");
    int64_t srcLen = 0, dstLen = 0;
    float* src = args.f32Len(0, &srcLen);
    int64_t srcOffset = args.i64(1);
    auto ss = args.ints(2);
    float* dst = args.f32Len(3, &dstLen);
    int64_t dstOffset = args.i64(4);
    auto ds = args.ints(5);
    auto dims = args.ints(6);
    if (ss.size() != dims.size() || ds.size() != dims.size()) throw dal::ArgError("stridedCopy: rank mismatch");
    // Collapse: drop size-1 dims; merge d into d+1 when both strides are contiguous across the pair.
    std::vector<int64_t> D, S, T;
    for (size_t d = 0; d < dims.size(); ++d) {
      if (dims[d] == 0) return;
      if (dims[d] == 1) continue;
      if (!D.empty() && S.back() == ss[d] * dims[d] && T.back() == ds[d] * dims[d]) {
        D.back() *= dims[d];
        S.back() = ss[d];
        T.back() = ds[d];
      } else {
        D.push_back(dims[d]);
        S.push_back(ss[d]);
        T.push_back(ds[d]);
      }
    }
    if (D.empty()) {
      D.push_back(1);
      S.push_back(1);
      T.push_back(1);
    }
    // Bounds: the largest offsets touched must lie inside both arrays (strides are non-negative).
    int64_t maxS = srcOffset, maxT = dstOffset, total = 1;
    for (size_t d = 0; d < D.size(); ++d) {
      maxS += (D[d] - 1) * S[d];
      maxT += (D[d] - 1) * T[d];
      total *= D[d];
      if (S[d] < 0 || T[d] < 0) throw dal::ArgError("stridedCopy: negative stride");
    }
    if (srcOffset < 0 || dstOffset < 0 || maxS >= srcLen || maxT >= dstLen) {
      throw dal::ArgError("stridedCopy: the copy exceeds an array");
    }
    const int64_t R = static_cast<int64_t>(D.size());
    const int64_t n = D.back(), sn = S.back(), tn = T.back();
    const int64_t rows = total / n;
    dal::parallelFor(rows, std::max<int64_t>(1, 16384 / n), [&](int64_t s, int64_t e) {
      std::vector<int64_t> idx(R, 0);
      int64_t rem = s, so = srcOffset, to = dstOffset;
      for (int64_t d = R - 2; d >= 0; --d) {
        idx[d] = rem % D[d];
        rem /= D[d];
        so += idx[d] * S[d];
        to += idx[d] * T[d];
      }
      for (int64_t row = s; row < e; ++row) {
        const float* a = src + so;
        float* b = dst + to;
        if (sn == 1 && tn == 1)
          std::memcpy(b, a, n * sizeof(float));
        else
          for (int64_t i = 0; i < n; ++i) b[i * tn] = a[i * sn];
        for (int64_t d = R - 2; d >= 0; --d) {
          ++idx[d];
          so += S[d];
          to += T[d];
          if (idx[d] < D[d]) break;
          so -= idx[d] * S[d];
          to -= idx[d] * T[d];
          idx[d] = 0;
        }
      }
    });
  });
}

static dal::Export e1("stridedCopy", StridedCopyFn);

}  // namespace
