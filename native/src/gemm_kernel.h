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

/**
 * Where row r of step p of A is: lda = 0, a packed micro-panel (A[p·MR + r]); lda > 0, row-major (A[r·lda + p]);
 * lda < 0, column-major with leading dimension −lda (A[p·(−lda) + r]).
 */
template <int R>
inline void kernel(int nr, int64_t kc, const float* __restrict A, int64_t lda, const float* __restrict B, float* C,
                   int64_t ldc, bool acc) {
  __m512 c0[R], c1[R];
#pragma GCC unroll 14
  for (int r = 0; r < R; ++r) c0[r] = c1[r] = _mm512_setzero_ps();
  if (lda <= 0) {
    const int64_t step = lda == 0 ? MR : -lda;
    for (int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
#pragma GCC unroll 14
      for (int r = 0; r < R; ++r) {
        const __m512 a = _mm512_set1_ps(A[r]);
        c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
      }
      A += step;
      B += NR;
    }
  } else {
    for (int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_load_ps(B), b1 = _mm512_load_ps(B + 16);
#pragma GCC unroll 14
      for (int r = 0; r < R; ++r) {
        const __m512 a = _mm512_set1_ps(A[r * lda]);
        c0[r] = _mm512_fmadd_ps(a, b0, c0[r]);
        c1[r] = _mm512_fmadd_ps(a, b1, c1[r]);
      }
      A += 1;
      B += NR;
    }
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

constexpr bool kUnpackedA = true;

inline void microKernel(int mr, int nr, int64_t kc, const float* A, int64_t lda, const float* B, float* C,
                        int64_t ldc, bool acc) {
  switch (mr) {
    case 14: return kernel<14>(nr, kc, A, lda, B, C, ldc, acc);
    case 13: return kernel<13>(nr, kc, A, lda, B, C, ldc, acc);
    case 12: return kernel<12>(nr, kc, A, lda, B, C, ldc, acc);
    case 11: return kernel<11>(nr, kc, A, lda, B, C, ldc, acc);
    case 10: return kernel<10>(nr, kc, A, lda, B, C, ldc, acc);
    case 9: return kernel<9>(nr, kc, A, lda, B, C, ldc, acc);
    case 8: return kernel<8>(nr, kc, A, lda, B, C, ldc, acc);
    case 7: return kernel<7>(nr, kc, A, lda, B, C, ldc, acc);
    case 6: return kernel<6>(nr, kc, A, lda, B, C, ldc, acc);
    case 5: return kernel<5>(nr, kc, A, lda, B, C, ldc, acc);
    case 4: return kernel<4>(nr, kc, A, lda, B, C, ldc, acc);
    case 3: return kernel<3>(nr, kc, A, lda, B, C, ldc, acc);
    case 2: return kernel<2>(nr, kc, A, lda, B, C, ldc, acc);
    default: return kernel<1>(nr, kc, A, lda, B, C, ldc, acc);
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

constexpr bool kUnpackedA = false;

inline void microKernel(int mr, int nr, int64_t kc, const float* A, int64_t /*lda: packed only*/, const float* B,
                        float* C, int64_t ldc, bool acc) {
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

constexpr bool kUnpackedA = false;

inline void microKernel(int mr, int nr, int64_t kc, const float* A, int64_t /*lda: packed only*/, const float* B,
                        float* C, int64_t ldc, bool acc) {
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

#if defined(__AVX512F__)
/** Transposes 16 rows of 16 floats in registers: afterwards r[q] holds column q. */
inline void transpose16(__m512 r[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4g + c], 128-bit lane L = rows 4g..4g+3 of column 4L + c
  for (int g = 0; g < 4; ++g) {
    const __m512d a = _mm512_castps_pd(t[4 * g]), b = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d c2 = _mm512_castps_pd(t[4 * g + 2]), d = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c2));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c2));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 lo01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44), hi01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
    const __m512 lo23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
    const __m512 hi23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_shuffle_f32x4(lo01, lo23, 0x88);
    r[4 + c] = _mm512_shuffle_f32x4(lo01, lo23, 0xDD);
    r[8 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0x88);
    r[12 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0xDD);
  }
}
#endif

/** Interleaves MR rows (each kc contiguous floats) into a p-major micro-panel d[p·MR + i]. */
inline void packRowsMR(const float* const* rows, int64_t kc, float* __restrict d) {
#if defined(__AVX512F__)
  static_assert(MR <= 16, "one 16×16 transpose per 16 columns");
  int64_t p0 = 0;
  for (; p0 < kc; p0 += 16) {
    const int64_t w = kc - p0 < 16 ? kc - p0 : 16;
    const __mmask16 m = w == 16 ? 0xFFFF : static_cast<__mmask16>((1u << w) - 1);
    __m512 r[16];
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) r[i] = i < MR ? _mm512_maskz_loadu_ps(m, rows[i] + p0) : _mm512_setzero_ps();
    transpose16(r);
    constexpr __mmask16 rowMask = static_cast<__mmask16>((1u << MR) - 1);
    for (int q = 0; q < w; ++q) _mm512_mask_storeu_ps(d + (p0 + q) * MR, rowMask, r[q]);
  }
  return;
#endif
  for (int64_t p = 0; p < kc; ++p) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) d[p * MR + i] = rows[i][p];
  }
}

}  // namespace gemm_detail
}  // namespace dal
