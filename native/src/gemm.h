// Single-precision GEMM of the native backend (BLIS/GotoBLAS structure: packed panels, cache blocking, an FMA
// register-blocked micro-kernel) with a fused bias + activation epilogue. Used by the matmul and conv kernels.
#pragma once
#include <cstdint>

namespace dal {

/** Activation codes shared with the TypeScript side (src/core/backend/addon.ts). */
enum Activation : int { kActNone = 0, kActRelu = 1, kActRelu6 = 2, kActSigmoid = 3, kActElu = 4, kActLeakyRelu = 5 };

/** What happens to C = op(A)·op(B) before it is stored. */
struct Epilogue {
  const float* bias = nullptr;  // [n], added to every row (per output column) when non-null
  int activation = kActNone;    // applied after the bias
  float leakyAlpha = 0.2f;      // slope for kActLeakyRelu
  bool accumulate = false;      // C += result (bias and activation then apply to the sum; use with kActNone)
};

/** Applies an activation in place to x[0..n). */
void applyActivation(float* x, int64_t n, int activation, float leakyAlpha);

/**
 * C[m×n] = act(op(A)·op(B) + bias), row-major with leading dimensions lda/ldb/ldc.
 * op(A) is m×k: A is m×k (transA = false) or k×m (transA = true); op(B) is k×n: B is k×n or n×k (transB).
 * Uses the thread pool (dal::parallelFor) unless called from inside a parallel region.
 */
void sgemm(bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A, int64_t lda, const float* B,
           int64_t ldb, float* C, int64_t ldc, const Epilogue& ep = Epilogue());

/** Batched sgemm: item b uses A + b·strideA, B + b·strideB, C + b·m·n (stride 0 broadcasts an operand). */
void sgemmBatched(int64_t batch, bool transA, bool transB, int64_t m, int64_t n, int64_t k, const float* A,
                  int64_t strideA, const float* B, int64_t strideB, float* C, const Epilogue& ep = Epilogue());

}  // namespace dal
