// Q8_0 × Q8_0 dot products (see include/q8_0.h). After ggml's ggml-quants.c (MIT licence):
// the reference quantizer and generic dot product, and the AVX2 kernel's arithmetic.

#include "q8_0.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static inline float half_to_float(uint16_t bits) {
    _Float16 h;
    memcpy(&h, &bits, 2);
    return (float)h;
}

static inline uint16_t float_to_half(float f) {
    _Float16 h = (_Float16)f;  // round to nearest even, as numpy's astype(float16) and ggml's F16C
    uint16_t bits;
    memcpy(&bits, &h, 2);
    return bits;
}

void fs_quantize_row_q8_0(const float *x, fs_block_q8_0 *y, int64_t k) {
    const int64_t blocks = k / 32;
    for (int64_t i = 0; i < blocks; i++) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) {
            const float v = fabsf(x[i * 32 + j]);
            amax = amax > v ? amax : v;
        }
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        y[i].d = float_to_half(d);
        for (int j = 0; j < 32; j++) y[i].qs[j] = (int8_t)roundf(x[i * 32 + j] * id);
    }
}

float fs_vec_dot_q8_0_plain(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x) {
    const int64_t blocks = n / 32;
    float sum = 0.0f;
    for (int64_t i = 0; i < blocks; i++) {
        int32_t isum = 0;
        for (int j = 0; j < 32; j++) isum += (int32_t)w[i].qs[j] * (int32_t)x[i].qs[j];
        sum += (float)isum * (half_to_float(w[i].d) * half_to_float(x[i].d));
    }
    return sum;
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

#define FS_AVX2 __attribute__((target("avx2,fma,f16c")))

int fs_q8_0_avx2_available(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    }
    return cached;
}

/// 8 float lanes, each the sum of 4 products w·x of a block: |w| (unsigned) times x with w's
/// sign, multiplied in pairs to int16 (no saturation: |w| ≤ 128, |x| ≤ 127, 2·128·127 < 2^15),
/// then pairs of int16 summed to int32.
FS_AVX2 static inline __m256 block_products(__m256i w, __m256i x) {
    const __m256i aw = _mm256_sign_epi8(w, w);
    const __m256i sx = _mm256_sign_epi8(x, w);
    const __m256i pairs = _mm256_maddubs_epi16(aw, sx);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

/// The sum of the 8 lanes.
FS_AVX2 static inline float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

FS_AVX2 static float dot_avx2(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x) {
    const int64_t blocks = n / 32;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < blocks; i++) {
        const __m256 d = _mm256_set1_ps(half_to_float(w[i].d) * half_to_float(x[i].d));
        const __m256i qw = _mm256_loadu_si256((const __m256i *)w[i].qs);
        const __m256i qx = _mm256_loadu_si256((const __m256i *)x[i].qs);
        acc = _mm256_fmadd_ps(d, block_products(qw, qx), acc);
    }
    return hsum(acc);
}

float fs_vec_dot_q8_0(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x) {
    return fs_q8_0_avx2_available() ? dot_avx2(n, w, x) : fs_vec_dot_q8_0_plain(n, w, x);
}

/// One weight row against four activation rows: each weight block is loaded, its absolute value
/// and scale computed once, for four dot products (the same arithmetic as `dot_avx2` per output).
/// `s0`…`s3` are the activation rows' block scales as floats (converted once per call, not per
/// weight row).
FS_AVX2 static void dot4_avx2(int64_t blocks, const fs_block_q8_0 *w, const fs_block_q8_0 *x0, const fs_block_q8_0 *x1,
                              const fs_block_q8_0 *x2, const fs_block_q8_0 *x3, const float *s0, const float *s1,
                              const float *s2, const float *s3, float *out) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t b = 0; b < blocks; b++) {
        const __m256i qw = _mm256_loadu_si256((const __m256i *)w[b].qs);
        const __m256i aw = _mm256_sign_epi8(qw, qw);
        const float dw = half_to_float(w[b].d);
#define FS_ROW(acc, x, xs)                                                                                    \
        {                                                                                                     \
            const __m256i sx = _mm256_sign_epi8(_mm256_loadu_si256((const __m256i *)x[b].qs), qw);           \
            const __m256 q = _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), ones));      \
            acc = _mm256_fmadd_ps(_mm256_set1_ps(dw * xs[b]), q, acc);                                       \
        }
        FS_ROW(a0, x0, s0) FS_ROW(a1, x1, s1) FS_ROW(a2, x2, s2) FS_ROW(a3, x3, s3)
#undef FS_ROW
    }
    out[0] = hsum(a0); out[1] = hsum(a1); out[2] = hsum(a2); out[3] = hsum(a3);
}

#else

int fs_q8_0_avx2_available(void) { return 0; }

float fs_vec_dot_q8_0(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x) {
    return fs_vec_dot_q8_0_plain(n, w, x);
}

#endif

void fs_gemm_q8_0(int64_t m, int64_t j0, int64_t j1, int64_t k, const fs_block_q8_0 *w, const fs_block_q8_0 *x,
                  float *c, int64_t ldc, int plain) {
    const int64_t blocks = k / 32;
#if defined(__x86_64__)
    // The activation scales as floats, converted once (the AVX2 path; without memory, per block).
    float *scales = (!plain && fs_q8_0_avx2_available()) ? malloc(sizeof(float) * (size_t)(m * blocks)) : NULL;
    if (scales) {
        for (int64_t i = 0; i < m * blocks; i++) scales[i] = half_to_float(x[i].d);
    }
#endif
    // Tiles of 32 activation rows (52 KB at k = 1536: in L2) against one weight row at a time (in L1).
    for (int64_t i0 = 0; i0 < m; i0 += 32) {
        const int64_t i1 = i0 + 32 < m ? i0 + 32 : m;
        for (int64_t j = j0; j < j1; j++) {
            const fs_block_q8_0 *wj = w + j * blocks;
            int64_t i = i0;
#if defined(__x86_64__)
            if (scales) {
                for (; i + 4 <= i1; i += 4) {
                    float out[4];
                    dot4_avx2(blocks, wj, x + i * blocks, x + (i + 1) * blocks, x + (i + 2) * blocks, x + (i + 3) * blocks,
                              scales + i * blocks, scales + (i + 1) * blocks, scales + (i + 2) * blocks,
                              scales + (i + 3) * blocks, out);
                    for (int r = 0; r < 4; r++) c[(i + r) * ldc + j] = out[r];
                }
            }
#endif
            for (; i < i1; i++) {
                c[i * ldc + j] = plain ? fs_vec_dot_q8_0_plain(k, wj, x + i * blocks)
                                       : fs_vec_dot_q8_0(k, wj, x + i * blocks);
            }
        }
    }
#if defined(__x86_64__)
    free(scales);
#endif
}
