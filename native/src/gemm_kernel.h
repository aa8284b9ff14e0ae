// The register-blocked SGEMM micro-kernels: C[mr×nr] (+)= Apanel[kc×MR]ᵀ · Bpanel[kc×NR], with A packed p-major in
// groups of MR rows and B in groups of NR columns. AVX-512: 14×32 (28 zmm accumulators); AVX2+FMA: 6×16; else a
// portable 4×8 loop the compiler vectorizes. Only the mr×nr corner is stored (masked stores on AVX-512).
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>
#endif

namespace dal {
namespace gemm_detail {

#if defined(__AVX512F__)
constexpr int MR = 14, NR = 32;

template <int R>
inline void kernel(int nr, int64_t kc, const float* __restrict A, const float* __restrict B, float* C, int64_t ldc,
                   bool acc) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 14
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
#pragma GCC unroll 14
    for (int r = 0; r < R; ++r) {
      const __m512 a = _mm512_set1_ps(A[r]);
      c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
    }
    A += MR;
    B += NR;
  }
  if (nr == NR) {
#pragma GCC unroll 14
    for (int r = 0; r < R; ++r) {
      float* c = C + r * ldc;
      if (acc) {
        c0[r] = _mm512_add_ps(c0[r], _mm512_loadu_ps(c));
        c1[r] = _mm512_add_ps(c1[r], _mm512_loadu_ps(c + 16));
      }
      _mm512_storeu_ps(c, c0[r]);
      _mm512_storeu_ps(c + 16, c1[r]);
    }
  } else {
    const __mmask16 m0 = nr >= 16 ? 0xFFFF : static_cast<__mmask16>((1u << nr) - 1);
    const __mmask16 m1 = nr <= 16 ? 0 : static_cast<__mmask16>((1u << (nr - 16)) - 1);
#pragma GCC unroll 14
    for (int r = 0; r < R; ++r) {
      float* c = C + r * ldc;
      if (acc) {
        c0[r] = _mm512_add_ps(c0[r], _mm512_maskz_loadu_ps(m0, c));
        c1[r] = _mm512_add_ps(c1[r], _mm512_maskz_loadu_ps(m1, c + 16));
      }
      _mm512_mask_storeu_ps(c, m0, c0[r]);
      _mm512_mask_storeu_ps(c + 16, m1, c1[r]);
    }
  }
}

inline void microKernel(int mr, int nr, int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool acc) {
  switch (mr) {
    case 14: return kernel<14>(nr, kc, A, B, C, ldc, acc);
    case 13: return kernel<13>(nr, kc, A, B, C, ldc, acc);
    case 12: return kernel<12>(nr, kc, A, B, C, ldc, acc);
    case 11: return kernel<11>(nr, kc, A, B, C, ldc, acc);
    case 10: return kernel<10>(nr, kc, A, B, C, ldc, acc);
    case 9: return kernel<9>(nr, kc, A, B, C, ldc, acc);
    case 8: return kernel<8>(nr, kc, A, B, C, ldc, acc);
    case 7: return kernel<7>(nr, kc, A, B, C, ldc, acc);
    case 6: return kernel<6>(nr, kc, A, B, C, ldc, acc);
    case 5: return kernel<5>(nr, kc, A, B, C, ldc, acc);
    case 4: return kernel<4>(nr, kc, A, B, C, ldc, acc);
    case 3: return kernel<3>(nr, kc, A, B, C, ldc, acc);
    case 2: return kernel<2>(nr, kc, A, B, C, ldc, acc);
    default: return kernel<1>(nr, kc, A, B, C, ldc, acc);
  }
}

#elif defined(__AVX2__) && defined(__FMA__)
constexpr int MR = 6, NR = 16;

template <int R>
inline void kernel(int nr, int64_t kc, const float* __restrict A, const float* __restrict B, float* C, int64_t ldc,
                   bool acc) {
  __m256 c0[R], c1[R];
#pragma GCC unroll 6
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm256_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m256 b0 = _mm256_load_ps(B), b1 = _mm256_load_ps(B + 8);
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      const __m256 a = _mm256_broadcast_ss(A + r);
      c0[r] = _mm256_fmadd_ps(a, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(a, b1, c1[r]);
    }
    A += MR;
    B += NR;
  }
  if (nr == NR) {
#pragma GCC unroll 6
    for (int r = 0; r < R; ++r) {
      float* c = C + r * ldc;
      if (acc) {
        c0[r] = _mm256_add_ps(c0[r], _mm256_loadu_ps(c));
        c1[r] = _mm256_add_ps(c1[r], _mm256_loadu_ps(c + 8));
      }
      _mm256_storeu_ps(c, c0[r]);
      _mm256_storeu_ps(c + 8, c1[r]);
    }
  } else {
    alignas(32) float t[NR];
    for (int r = 0; r < R; ++r) {
      _mm256_store_ps(t, c0[r]);
      _mm256_store_ps(t + 8, c1[r]);
      float* c = C + r * ldc;
      for (int j = 0; j < nr; ++j) c[j] = acc ? c[j] + t[j] : t[j];
    }
  }
}

inline void microKernel(int mr, int nr, int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool acc) {
  switch (mr) {
    case 6: return kernel<6>(nr, kc, A, B, C, ldc, acc);
    case 5: return kernel<5>(nr, kc, A, B, C, ldc, acc);
    case 4: return kernel<4>(nr, kc, A, B, C, ldc, acc);
    case 3: return kernel<3>(nr, kc, A, B, C, ldc, acc);
    case 2: return kernel<2>(nr, kc, A, B, C, ldc, acc);
    default: return kernel<1>(nr, kc, A, B, C, ldc, acc);
  }
}

#else
constexpr int MR = 4, NR = 8;

inline void microKernel(int mr, int nr, int64_t kc, const float* A, const float* B, float* C, int64_t ldc, bool acc) {
  float t[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    for (int r = 0; r < MR; ++r) {
      for (int j = 0; j < NR; ++j) t[r][j] += A[r] * B[j];
    }
    A += MR;
    B += NR;
  }
  for (int r = 0; r < mr; ++r) {
    float* c = C + r * ldc;
    for (int j = 0; j < nr; ++j) c[j] = acc ? c[j] + t[r][j] : t[r][j];
  }
}
#endif

/** Interleaves MR rows (each kc contiguous floats) into a p-major micro-panel d[p·MR + i]. */
inline void packRowsMR(const float* const* rows, int64_t kc, float* __restrict d) {
  for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) d[p * MR + i] = rows[i][p];
  }
}

}  // namespace gemm_detail
}  // namespace dal
