// Elementwise float32 kernels of the native backend: broadcasting binary ops (NumPy rules), unary ops and AddN.
// Exports: binaryOp(op, a, aShape, b, bShape, out, outShape), unaryOp(op, x, out, alpha), addN(inputs[], out).
#include <algorithm>
#include <cmath>
#include <vector>

#include "fast_math.h"
#include "napi_util.h"
#include "parallel.h"
#include "registry.h"

namespace {

using dal::fastExp;

// Op codes; keep in sync with BINARY_OPS / UNARY_OPS in src/core/backend/addon.ts.
enum BinaryOp { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSqDiff, kPow };
enum UnaryOp {
  kNeg = 0, kExp, kLog, kSqrt, kRsqrt, kSquare, kSigmoid, kSoftplus, kRelu, kStep, kTanh, kAbs, kReciprocal, kSin,
  kCos, kLeakyRelu, kRelu6, kElu, kLog1p, kSilu
};

constexpr int64_t kGrain = 16384;

struct AddF { static float f(float a, float b) { return a + b; } };
struct SubF { static float f(float a, float b) { return a - b; } };
struct MulF { static float f(float a, float b) { return a * b; } };
struct DivF { static float f(float a, float b) { return a / b; } };
struct MaxF { static float f(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); } };
struct MinF { static float f(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); } };
struct SqDiffF { static float f(float a, float b) { float d = a - b; return d * d; } };
struct PowF { static float f(float a, float b) { return std::pow(a, b); } };

// A broadcast plan: output dims (collapsed) with the element strides of a and b (0 where broadcast).
struct Plan {
  std::vector<int64_t> dims, sa, sb;
  int64_t total = 1;
};

Plan makePlan(std::vector<int64_t> as, std::vector<int64_t> bs, const std::vector<int64_t>& os) {
  size_t r = os.size();
  as.insert(as.begin(), r - as.size(), 1);
  bs.insert(bs.begin(), r - bs.size(), 1);
  // Collapse adjacent dims whose broadcast pattern (a full?, b full?) is equal; drop size-1 output dims.
  std::vector<int64_t> dims;
  std::vector<int> fa, fb;
  for (size_t d = 0; d < r; ++d) {
    if (os[d] == 1) continue;
    int pa = as[d] == os[d], pb = bs[d] == os[d];
    if (!dims.empty() && fa.back() == pa && fb.back() == pb) {
      dims.back() *= os[d];
    } else {
      dims.push_back(os[d]);
      fa.push_back(pa);
      fb.push_back(pb);
    }
  }
  if (dims.empty()) {
    dims.push_back(1);
    fa.push_back(1);
    fb.push_back(1);
  }
  Plan p;
  p.dims = dims;
  p.sa.resize(dims.size());
  p.sb.resize(dims.size());
  int64_t stA = 1, stB = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    p.sa[d] = fa[d] ? stA : 0;
    p.sb[d] = fb[d] ? stB : 0;
    if (fa[d]) stA *= dims[d];
    if (fb[d]) stB *= dims[d];
    p.total *= dims[d];
  }
  return p;
}

template <class F>
inline void innerLoop(const float* a, int64_t sa, const float* b, int64_t sb, float* o, int64_t n) {
  if (sa && sb) {
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i], b[i]);
  } else if (sa) {
    float bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(a[i], bv);
  } else if (sb) {
    float av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = F::f(av, b[i]);
  } else {
    float v = F::f(a[0], b[0]);
    for (int64_t i = 0; i < n; ++i) o[i] = v;
  }
}

template <class F>
void runBinary(const Plan& p, const float* a, const float* b, float* out) {
  const int64_t rank = static_cast<int64_t>(p.dims.size());
  const int64_t n = p.dims.back();
  const int64_t sa = p.sa.back() ? 1 : 0, sb = p.sb.back() ? 1 : 0;
  const int64_t rows = p.total / n;
  if (rows == 1) {
    dal::parallelFor(n, kGrain, [&](int64_t s, int64_t e) {
      innerLoop<F>(a + s * sa, sa, b + s * sb, sb, out + s, e - s);
    });
    return;
  }
  dal::parallelFor(rows, std::max<int64_t>(1, kGrain / n), [&](int64_t s, int64_t e) {
    // Multi-index of row s over the outer dims, then increment it row by row.
    std::vector<int64_t> idx(rank, 0);
    int64_t rem = s, offA = 0, offB = 0;
    for (int64_t d = rank - 2; d >= 0; --d) {
      idx[d] = rem % p.dims[d];
      rem /= p.dims[d];
      offA += idx[d] * p.sa[d];
      offB += idx[d] * p.sb[d];
    }
    for (int64_t row = s; row < e; ++row) {
      innerLoop<F>(a + offA, sa, b + offB, sb, out + row * n, n);
      for (int64_t d = rank - 2; d >= 0; --d) {
        ++idx[d];
        offA += p.sa[d];
        offB += p.sb[d];
        if (idx[d] < p.dims[d]) break;
        offA -= idx[d] * p.sa[d];
        offB -= idx[d] * p.sb[d];
        idx[d] = 0;
      }
    }
  });
}

/** Elements of a shape. */
int64_t sizeOf(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

napi_value BinaryOpFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 7, "binaryOp");
    int op = static_cast<int>(args.i64(0));
    auto as = args.ints(2);
    auto bs = args.ints(4);
    auto os = args.ints(6);
    float* a = args.f32(1, sizeOf(as));
    float* b = args.f32(3, sizeOf(bs));
    float* out = args.f32(5, sizeOf(os));
    if (as.size() > os.size() || bs.size() > os.size()) throw dal::ArgError("binaryOp: operand rank exceeds output rank");
    Plan p = makePlan(as, bs, os);
    if (p.total == 0) return;
    switch (op) {
      case kAdd: runBinary<AddF>(p, a, b, out); break;
      case kSub: runBinary<SubF>(p, a, b, out); break;
      case kMul: runBinary<MulF>(p, a, b, out); break;
      case kDiv: runBinary<DivF>(p, a, b, out); break;
      case kMax: runBinary<MaxF>(p, a, b, out); break;
      case kMin: runBinary<MinF>(p, a, b, out); break;
      case kSqDiff: runBinary<SqDiffF>(p, a, b, out); break;
      case kPow: runBinary<PowF>(p, a, b, out); break;
      default: throw dal::ArgError("binaryOp: unknown op code");
    }
  });
}

inline float sigmoid(float x) { return 1.0f / (1.0f + fastExp(-x)); }

template <int Op>
void runUnary(const float* x, float* y, int64_t n, float alpha) {
  dal::parallelFor(n, kGrain, [=](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) {
      float v = x[i], r;
      if constexpr (Op == kNeg) r = -v;
      else if constexpr (Op == kExp) r = fastExp(v);
      else if constexpr (Op == kLog) r = std::log(v);
      else if constexpr (Op == kSqrt) r = std::sqrt(v);
      else if constexpr (Op == kRsqrt) r = 1.0f / std::sqrt(v);
      else if constexpr (Op == kSquare) r = v * v;
      else if constexpr (Op == kSigmoid) r = sigmoid(v);
      else if constexpr (Op == kSoftplus) {
        // Same thresholds as tfjs: log(eps) + 2 with eps = 2^-23.
        const float th = -13.942385152878742f;
        r = v > -th ? v : (v < th ? fastExp(v) : std::log1p(fastExp(v)));
      } else if constexpr (Op == kRelu) r = v > 0 ? v : (v != v ? v : 0.0f);
      else if constexpr (Op == kStep) {
        r = alpha + (1.0f - alpha) * static_cast<float>(v > 0);
        r = v != v ? v : r;
      }
      else if constexpr (Op == kTanh) r = std::tanh(v);
      else if constexpr (Op == kAbs) r = std::fabs(v);
      else if constexpr (Op == kReciprocal) r = 1.0f / v;
      else if constexpr (Op == kSin) r = dal::fastSinCos<false>(v);
      else if constexpr (Op == kCos) r = dal::fastSinCos<true>(v);
      else if constexpr (Op == kLeakyRelu) r = v < 0 ? alpha * v : v;
      else if constexpr (Op == kRelu6) r = v != v ? v : std::min(std::max(v, 0.0f), 6.0f);
      else if constexpr (Op == kElu) r = v >= 0 ? v : fastExp(v) - 1.0f;
      else if constexpr (Op == kLog1p) r = std::log1p(v);
      else r = v * sigmoid(v);  // kSilu
      y[i] = r;
    }
  });
}

napi_value UnaryOpFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 3, "unaryOp");
    int op = static_cast<int>(args.i64(0));
    int64_t n = 0;
    float* x = args.f32Len(1, &n);
    float* y = args.f32(2, n);
    float alpha = args.count() > 3 ? static_cast<float>(args.f64(3)) : 0.0f;
    if (op == kSin || op == kCos) {
      // The vectorized sin/cos are accurate for |x| < 8192; larger arguments take the libm path.
      float maxAbs = 0;
      for (int64_t i = 0; i < n; ++i) maxAbs = std::max(maxAbs, std::fabs(x[i]));
      if (!(maxAbs < 8192.0f)) {
        dal::parallelFor(n, kGrain, [=](int64_t s, int64_t e) {
          for (int64_t i = s; i < e; ++i) y[i] = op == kSin ? std::sin(x[i]) : std::cos(x[i]);
        });
        return;
      }
    }
    switch (op) {
  #define DAL_UNARY(K) case K: runUnary<K>(x, y, n, alpha); break;
      DAL_UNARY(kNeg) DAL_UNARY(kExp) DAL_UNARY(kLog) DAL_UNARY(kSqrt) DAL_UNARY(kRsqrt) DAL_UNARY(kSquare)
      DAL_UNARY(kSigmoid) DAL_UNARY(kSoftplus) DAL_UNARY(kRelu) DAL_UNARY(kStep) DAL_UNARY(kTanh) DAL_UNARY(kAbs)
      DAL_UNARY(kReciprocal) DAL_UNARY(kSin) DAL_UNARY(kCos) DAL_UNARY(kLeakyRelu) DAL_UNARY(kRelu6) DAL_UNARY(kElu)
      DAL_UNARY(kLog1p) DAL_UNARY(kSilu)
  #undef DAL_UNARY
      default: throw dal::ArgError("unaryOp: unknown op code");
    }
  });
}

napi_value AddNFn(napi_env env, napi_callback_info info) {
  return dal::guarded(env, [&] {
    dal::Args args(env, info, 2, "addN");
    int64_t n = 0;
    float* out = args.f32Len(1, &n);
    auto xs = args.f32List(0, n);
    if (xs.empty()) return;
    dal::parallelFor(n, kGrain, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) out[i] = xs[0][i];
      for (size_t k = 1; k < xs.size(); ++k) {
        const float* x = xs[k];
        for (int64_t i = s; i < e; ++i) out[i] += x[i];
      }
    });
  });
}

static dal::Export e1("binaryOp", BinaryOpFn);
static dal::Export e2("unaryOp", UnaryOpFn);
static dal::Export e3("addN", AddNFn);

}  // namespace
