// Mixed-precision GEMM (bfloat16 operands, float32 accumulation) with AVX-512 BF16.
//
// The classic blocked layout (Goto / BLIS): for each block of KC values of k, the B block is
// packed into column panels of NR columns and the A block into row panels of MR rows, both as
// bfloat16 *pairs* along k (one 32-bit lane holds B[k][j], B[k+1][j]) because VDPBF16PS
// multiplies pairs and adds both products into one float32 lane. The micro-kernel keeps an
// MR×NR = 6×64 tile of C in 24 zmm registers and, per pair of k, loads NR/16 vectors of B,
// broadcasts one pair of A per row and issues MR·NR/16 dot products. Single thread, this runs
// at 180–207 GFLOP/s on the training shapes of a Zen 4 core (its bfloat16 peak is ~190 at
// 3 GHz), 1.8–2.0× OpenBLAS's float32 sgemm.

#include "bf16_gemm.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)

#include <cpuid.h>
#include <immintrin.h>

#define FS_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

#ifndef FS_MR
#define FS_MR 6   // rows of the C tile
#endif
#ifndef FS_NV
#define FS_NV 4   // 16-float vectors across the C tile (NR = 64 divides every width of the models)
#endif
enum { MR = FS_MR, NV = FS_NV, NR = 16 * FS_NV, KC = 512, MC = 11 * FS_MR };

int fs_bf16_gemm_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 27))) return 0;  // OSXSAVE
    unsigned xcr0_lo, xcr0_hi;
    __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    if ((xcr0_lo & 0xE6) != 0xE6) return 0;  // the OS saves SSE, AVX and the three AVX-512 states
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned subleaves = eax;
    int f = (ebx >> 16) & 1, dq = (ebx >> 17) & 1, bw = (ebx >> 30) & 1, vl = (ebx >> 31) & 1;
    if (!(f && dq && bw && vl) || subleaves < 1) return 0;
    if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx)) return 0;
    return (eax >> 5) & 1;  // AVX512_BF16
}

/// The bfloat16 pair (lo, hi) as one 32-bit lane, lo in the low half (round to nearest even).
FS_BF16 static inline uint32_t pair(float lo, float hi) {
    __m128bh v = _mm_cvtneps_pbh(_mm_set_ps(0, 0, hi, lo));
    return (uint32_t)_mm_cvtsi128_si32((__m128i)v);
}

/// 16 float32 → 16 bfloat16, zero-extended into 16 32-bit lanes; lanes ≥ count are 0.
FS_BF16 static inline __m512i bf16_lanes(const float *x, int count) {
    __mmask16 mask = count >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
    return _mm512_cvtepu16_epi32((__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, x)));
}

/// dst[q·stride] = pair(src[2q], src[2q+1]) for the kc values of one row of k (0-padded).
FS_BF16 static void pack_k_contiguous(const float *src, long kc, uint32_t *dst, long stride) {
    long q = 0;
    for (; 2 * q + 32 <= kc; q += 16) {
        __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + 2 * q + 16), _mm512_loadu_ps(src + 2 * q));
        if (stride == 1) {
            _mm512_storeu_si512(dst + q, (__m512i)v);
        } else {
            uint32_t lanes[16];
            _mm512_storeu_si512(lanes, (__m512i)v);
            for (int i = 0; i < 16; i++) dst[(q + i) * stride] = lanes[i];
        }
    }
    for (; 2 * q < kc; q++) dst[q * stride] = pair(src[2 * q], 2 * q + 1 < kc ? src[2 * q + 1] : 0);
}

/// Eight rows at once: dst[q·stride + i] = pair(src_i[2q], src_i[2q+1]) for rows i < 8 of stride
/// rs, converting 16 values per row and transposing the 8×8 block of pairs in registers.
FS_BF16 static void pack_k_contiguous_8(const float *src, long rs, long kc, uint32_t *dst, long stride) {
    long q = 0;
    for (; 2 * q + 16 <= kc; q += 8) {
        __m256i r[8];
        for (int i = 0; i < 8; i++) r[i] = (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + i * rs + 2 * q));
        __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
        __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
        __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
        __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
        __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
        __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
        __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
        __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
        __m256i out[8] = {
            _mm256_permute2x128_si256(u0, u4, 0x20), _mm256_permute2x128_si256(u1, u5, 0x20),
            _mm256_permute2x128_si256(u2, u6, 0x20), _mm256_permute2x128_si256(u3, u7, 0x20),
            _mm256_permute2x128_si256(u0, u4, 0x31), _mm256_permute2x128_si256(u1, u5, 0x31),
            _mm256_permute2x128_si256(u2, u6, 0x31), _mm256_permute2x128_si256(u3, u7, 0x31),
        };
        for (int t = 0; t < 8; t++) _mm256_storeu_si256((__m256i *)(dst + (q + t) * stride), out[t]);
    }
    for (int i = 0; i < 8; i++) {  // the last < 16 values of k
        for (long p = q; 2 * p < kc; p++) {
            const float *x = src + i * rs;
            dst[p * stride + i] = pair(x[2 * p], 2 * p + 1 < kc ? x[2 * p + 1] : 0);
        }
    }
}

/// dst[j] = pair(row0[j], row1[j]) for j < width (row1 may be NULL: zeros), dst[j] = 0 up to
/// `padded`.
FS_BF16 static void pack_columns_contiguous(const float *row0, const float *row1, int width, int padded, uint32_t *dst) {
    int j = 0;
    for (; j < width; j += 16) {
        int count = width - j < 16 ? width - j : 16;
        __m512i lo = bf16_lanes(row0 + j, count);
        __m512i hi = row1 ? bf16_lanes(row1 + j, count) : _mm512_setzero_si512();
        __m512i pairs = _mm512_or_si512(lo, _mm512_slli_epi32(hi, 16));
        if (j + 16 <= padded) {
            _mm512_storeu_si512(dst + j, pairs);
        } else {
            _mm512_mask_storeu_epi32(dst + j, (__mmask16)((1u << (padded - j)) - 1), pairs);
        }
    }
    for (j = (width + 15) / 16 * 16; j < padded; j++) dst[j] = 0;
}

/// Packs rows [0, rows) × k [0, kc) of X (element (i, p) = x[i·rs + p·cs]) into `panel`:
/// panel[q·width + i] = pair(X[i][2q], X[i][2q+1]); rows from `rows` to `width` are zero.
/// (Rows contiguous for each k, rs == 1, are packed by `pack_block` across all panels at once.)
FS_BF16 static void pack_panel(const float *x, long rs, long cs, int rows, long kc, int width, uint32_t *panel) {
    long pairs = (kc + 1) / 2;
    if (cs == 1) {  // k is contiguous: convert along the rows, transpose 8 rows at a time
        int i = 0;
        for (; i + 8 <= rows; i += 8) pack_k_contiguous_8(x + i * rs, rs, kc, panel + i, width);
        for (; i < rows; i++) pack_k_contiguous(x + i * rs, kc, panel + i, width);
        for (; i < width; i++) for (long q = 0; q < pairs; q++) panel[q * width + i] = 0;
    } else {
        for (long q = 0; q < pairs; q++) {
            for (int i = 0; i < width; i++) {
                float lo = i < rows ? x[i * rs + 2 * q * cs] : 0;
                float hi = i < rows && 2 * q + 1 < kc ? x[i * rs + (2 * q + 1) * cs] : 0;
                panel[q * width + i] = pair(lo, hi);
            }
        }
    }
}

/// Packs rows [0, rows) of X into consecutive panels of `width` rows (as `pack_panel`, panel r
/// at panels + r·pairs·width). When X's rows are contiguous for each k (a transposed operand),
/// each k is read once across all the rows, whole cache lines at a time, instead of panel by panel.
FS_BF16 static void pack_block(const float *x, long rs, long cs, long rows, long kc, int width, uint32_t *panels) {
    long pairs = (kc + 1) / 2;
    if (rs == 1 && cs != 1) {
        for (long q = 0; q < pairs; q++) {
            const float *k0 = x + 2 * q * cs, *k1 = 2 * q + 1 < kc ? k0 + cs : NULL;
            for (long r = 0; r < rows; r += width) {
                int n = rows - r < width ? (int)(rows - r) : width;
                pack_columns_contiguous(k0 + r, k1 ? k1 + r : NULL, n, width, panels + (r / width) * pairs * width + q * width);
            }
        }
    } else {
        for (long r = 0; r < rows; r += width) {
            int n = rows - r < width ? (int)(rows - r) : width;
            pack_panel(x + r * rs, rs, cs, n, kc, width, panels + (r / width) * pairs * width);
        }
    }
}

/// C tile [rows ≤ MR, cols ≤ NR] = alpha·(A·Bpanel) + (first ? beta·C : C), where the pair q of
/// row i of A is pa[q·a_pair_stride + i·a_row_stride] (a packed panel: MR and 1; rows of pairs: 1
/// and the row length). Rows past `rows` are read (they are zero padding or other valid rows).
FS_BF16 static void micro_kernel(long pairs, const uint32_t *pa, long a_pair_stride, long a_row_stride,
                                 const uint32_t *pb, float *c, long ldc, int rows, int cols, float alpha, float beta,
                                 int first) {
    __m512 acc[MR][NV];
    for (int i = 0; i < MR; i++) for (int j = 0; j < NV; j++) acc[i][j] = _mm512_setzero_ps();
    for (long q = 0; q < pairs; q++) {
        __m512bh b[NV];
#pragma GCC unroll 8
        for (int j = 0; j < NV; j++) b[j] = (__m512bh)_mm512_loadu_si512(pb + q * NR + 16 * j);
        const uint32_t *a = pa + q * a_pair_stride;
#pragma GCC unroll 12
        for (int i = 0; i < MR; i++) {
            __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[i * a_row_stride]);
#pragma GCC unroll 8
            for (int j = 0; j < NV; j++) acc[i][j] = _mm512_dpbf16_ps(acc[i][j], ai, b[j]);
        }
    }
    __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1);
    int readC = !first || beta != 0;
    for (int i = 0; i < rows; i++) {
        for (int j = 0; j < NV && 16 * j < cols; j++) {
            int count = cols - 16 * j < 16 ? cols - 16 * j : 16;
            __mmask16 mask = count == 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << count) - 1);
            float *dst = c + i * ldc + 16 * j;
            __m512 v = _mm512_mul_ps(acc[i][j], va);
            if (readC) v = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, dst), vb, v);
            _mm512_mask_storeu_ps(dst, mask, v);
        }
    }
}

FS_BF16 static void gemm_avx512(long m, long n, long k, float alpha, const float *a, long ars, long acs,
                                const float *b, long brs, long bcs, float beta, float *c, long ldc) {
    long panels = (n + NR - 1) / NR;
    // A with k contiguous (not transposed) is only converted, row by row, into rows of bfloat16
    // pairs that the kernel reads in place (the pair it broadcasts is contiguous there already);
    // this matters for narrow products, where each A value meets few columns. A transposed (its
    // rows contiguous for each k) is packed into MR-row panels, whole for each k block, so that each
    // k is read as one contiguous run rather than MC values from a different page each.
    int rowsOfPairs = acs == 1;
    int packWholeA = !rowsOfPairs && ars == 1;
    long aRows = packWholeA ? (m + MR - 1) / MR * MR : MC;
    uint32_t *pb = aligned_alloc(64, sizeof(uint32_t) * (KC / 2) * NR * panels);
    uint32_t *pa = aligned_alloc(64, sizeof(uint32_t) * (KC / 2) * aRows);
    for (long pc = 0; pc < k; pc += KC) {
        long kc = k - pc < KC ? k - pc : KC, pairs = (kc + 1) / 2;
        int first = pc == 0;
        // B block [kc, n] → panels of NR columns: element (p, j) of the panel's "X" is B(pc+p, j).
        pack_block(b + pc * brs, bcs, brs, n, kc, NR, pb);
        if (packWholeA) pack_block(a + pc * acs, ars, acs, m, kc, MR, pa);
        for (long i0 = 0; i0 < m; i0 += MC) {
            long mc = m - i0 < MC ? m - i0 : MC;
            const uint32_t *block = pa;
            long aPairStride = MR, aRowStride = 1, aPanelStride = pairs * MR;
            if (rowsOfPairs) {
                for (long i = 0; i < mc; i++) pack_k_contiguous(a + (i0 + i) * ars + pc, kc, pa + i * pairs, 1);
                for (long i = mc; i < (mc + MR - 1) / MR * MR; i++) memset(pa + i * pairs, 0, sizeof(uint32_t) * pairs);
                aPairStride = 1, aRowStride = pairs, aPanelStride = MR * pairs;
            } else if (packWholeA) {
                block = pa + (i0 / MR) * pairs * MR;
            } else {
                pack_block(a + i0 * ars + pc * acs, ars, acs, mc, kc, MR, pa);
            }
            for (long jp = 0; jp < panels; jp++) {
                long j0 = jp * NR;
                int cols = n - j0 < NR ? (int)(n - j0) : NR;
                for (long r = 0; r < mc; r += MR) {
                    int rows = mc - r < MR ? (int)(mc - r) : MR;
                    micro_kernel(pairs, block + (r / MR) * aPanelStride, aPairStride, aRowStride, pb + jp * pairs * NR,
                                 c + (i0 + r) * ldc + j0, ldc, rows, cols, alpha, beta, first);
                }
            }
        }
    }
    free(pa);
    free(pb);
}

void fs_bf16_gemm(long m, long n, long k, float alpha, const float *a, long a_row_stride, long a_col_stride,
                  const float *b, long b_row_stride, long b_col_stride, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {  // C = beta·C
        for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
    gemm_avx512(m, n, k, alpha, a, a_row_stride, a_col_stride, b, b_row_stride, b_col_stride, beta, c, ldc);
}

#else  // not x86-64: never available

int fs_bf16_gemm_available(void) { return 0; }

void fs_bf16_gemm(long m, long n, long k, float alpha, const float *a, long a_row_stride, long a_col_stride,
                  const float *b, long b_row_stride, long b_col_stride, float beta, float *c, long ldc) {
    (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)a_row_stride; (void)a_col_stride;
    (void)b; (void)b_row_stride; (void)b_col_stride; (void)beta; (void)c; (void)ldc;
    abort();
}

#endif
