// Widening ggml's 32-value blocks to float32, and the Q4_0 quantizer (see include/blocks.h).
// After ggml's ggml-quants.c (MIT licence) and the gguf package's quants.py.

#include "blocks.h"

#include <math.h>
#include <string.h>

// The products and sums below must round as ggml's and numpy's do, one operation at a time.
#pragma clang fp contract(off)

static inline float half_to_float(const uint8_t *p) {
    _Float16 h;
    memcpy(&h, p, 2);
    return (float)h;
}

static inline uint32_t load_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void q8_0_plain(const uint8_t *src, float *dst, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, src += 34, dst += 32) {
        const float d = half_to_float(src);
        for (int j = 0; j < 32; j++) dst[j] = d * (float)(int8_t)src[2 + j];
    }
}

static void q4_0_plain(const uint8_t *src, float *dst, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, src += 18, dst += 32) {
        const float d = half_to_float(src);
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)((int)(src[2 + j] & 0x0F) - 8);
            dst[j + 16] = d * (float)((int)(src[2 + j] >> 4) - 8);
        }
    }
}

#if defined(__x86_64__)
#include <immintrin.h>

#define FS_AVX2 __attribute__((target("avx2,f16c")))

static int has_avx2(void) {
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c");
    }
    return cached;
}

FS_AVX2 static void q8_0_avx2(const uint8_t *src, float *dst, int64_t blocks) {
    for (int64_t b = 0; b < blocks; b++, src += 34, dst += 32) {
        const __m256 d = _mm256_set1_ps(half_to_float(src));
        for (int j = 0; j < 32; j += 8) {
            const __m256i q = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(src + 2 + j)));
            _mm256_storeu_ps(dst + j, _mm256_mul_ps(d, _mm256_cvtepi32_ps(q)));
        }
    }
}

FS_AVX2 static void q4_0_avx2(const uint8_t *src, float *dst, int64_t blocks) {
    const __m128i low = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    for (int64_t b = 0; b < blocks; b++, src += 18, dst += 32) {
        const __m256 d = _mm256_set1_ps(half_to_float(src));
        const __m128i bytes = _mm_loadu_si128((const __m128i *)(src + 2));
        const __m128i lo = _mm_sub_epi8(_mm_and_si128(bytes, low), eight);                     // values 0..<16
        const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(bytes, 4), low), eight);  // values 16..<32
        const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
        for (int p = 0; p < 4; p++) {
            const __m256 q = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[p]));
            _mm256_storeu_ps(dst + 8 * p, _mm256_mul_ps(d, q));
        }
    }
}
#endif

void fs_widen_q8_0(const void *src, float *dst, int64_t count) {
#if defined(__x86_64__)
    if (has_avx2()) { q8_0_avx2(src, dst, count / 32); return; }
#endif
    q8_0_plain(src, dst, count / 32);
}

void fs_widen_q4_0(const void *src, float *dst, int64_t count) {
#if defined(__x86_64__)
    if (has_avx2()) { q4_0_avx2(src, dst, count / 32); return; }
#endif
    q4_0_plain(src, dst, count / 32);
}

void fs_widen_q4_1(const void *source, float *dst, int64_t count) {
    const uint8_t *src = source;
    for (int64_t b = 0; b < count / 32; b++, src += 20, dst += 32) {
        const float d = half_to_float(src), m = half_to_float(src + 2);
        for (int j = 0; j < 16; j++) {
            dst[j] = d * (float)(src[4 + j] & 0x0F) + m;
            dst[j + 16] = d * (float)(src[4 + j] >> 4) + m;
        }
    }
}

void fs_widen_q5_0(const void *source, float *dst, int64_t count) {
    const uint8_t *src = source;
    for (int64_t b = 0; b < count / 32; b++, src += 22, dst += 32) {
        const float d = half_to_float(src);
        const uint32_t qh = load_u32(src + 2);
        for (int j = 0; j < 16; j++) {
            const int lo = (src[6 + j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
            const int hi = (src[6 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            dst[j] = d * (float)(lo - 16);
            dst[j + 16] = d * (float)(hi - 16);
        }
    }
}

void fs_widen_q5_1(const void *source, float *dst, int64_t count) {
    const uint8_t *src = source;
    for (int64_t b = 0; b < count / 32; b++, src += 24, dst += 32) {
        const float d = half_to_float(src), m = half_to_float(src + 2);
        const uint32_t qh = load_u32(src + 4);
        for (int j = 0; j < 16; j++) {
            const int lo = (src[8 + j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
            const int hi = (src[8 + j] >> 4) | (int)(((qh >> (j + 16)) & 1) << 4);
            dst[j] = d * (float)lo + m;
            dst[j + 16] = d * (float)hi + m;
        }
    }
}

void fs_quantize_row_q4_0(const float *x, void *destination, int64_t k) {
    uint8_t *y = destination;
    for (int64_t b = 0; b < k / 32; b++, x += 32, y += 18) {
        float amax = fabsf(x[0]), max = x[0];
        for (int j = 1; j < 32; j++) {
            const float v = fabsf(x[j]);
            if (v > amax) { amax = v; max = x[j]; }  // the first of the largest magnitude, as argmax
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const _Float16 h = (_Float16)d;  // round to nearest even, as numpy's astype(float16)
        memcpy(y, &h, 2);
        uint8_t q[32];
        for (int j = 0; j < 32; j++) {
            const float t = truncf(x[j] * id + 8.5f);
            q[j] = t >= 15.0f ? 15 : (uint8_t)t;  // t ≥ 0: |x·id| ≤ 8
        }
        for (int j = 0; j < 16; j++) y[2 + j] = (uint8_t)(q[j] | (q[j + 16] << 4));
    }
}
