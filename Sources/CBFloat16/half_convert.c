// Widening bfloat16 / float16 → float32 for the products over half-precision weights (see
// half_convert.h). Eight values per step with AVX2 (bfloat16: zero-extend and shift) or F16C
// (`vcvtph2ps`, float16); a portable scalar loop elsewhere and for the tail.

#include "half_convert.h"

#include <string.h>

/// The float32 value of an IEEE half pattern (exact; after F. Giesen's half_to_float).
static inline float f16_scalar(uint16_t h) {
    uint32_t u = (uint32_t)(h & 0x7FFF) << 13;
    uint32_t exponent = u & 0x0F800000u;
    u += 0x38000000u;
    if (exponent == 0x0F800000u) {
        u += 0x38000000u;                     // infinity or NaN
    } else if (exponent == 0) {
        u += 0x00800000u;                     // zero or subnormal: renormalise with a subtraction
        float f, magic;
        uint32_t m = 0x38800000u;
        memcpy(&f, &u, 4);
        memcpy(&magic, &m, 4);
        f -= magic;
        memcpy(&u, &f, 4);
    }
    u |= (uint32_t)(h & 0x8000) << 16;
    float out;
    memcpy(&out, &u, 4);
    return out;
}

static inline float bf16_scalar(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float out;
    memcpy(&out, &u, 4);
    return out;
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2")))
static void bf16_avx2(const uint16_t *src, float *dst, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256i lo = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256i hi = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(src + i + 8)));
        _mm256_storeu_ps(dst + i, _mm256_castsi256_ps(_mm256_slli_epi32(lo, 16)));
        _mm256_storeu_ps(dst + i + 8, _mm256_castsi256_ps(_mm256_slli_epi32(hi, 16)));
    }
    for (; i < count; i++) dst[i] = bf16_scalar(src[i]);
}

__attribute__((target("avx,f16c")))
static void f16_f16c(const uint16_t *src, float *dst, long count) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m256 lo = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i)));
        __m256 hi = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(src + i + 8)));
        _mm256_storeu_ps(dst + i, lo);
        _mm256_storeu_ps(dst + i + 8, hi);
    }
    for (; i < count; i++) dst[i] = f16_scalar(src[i]);
}
#endif

void fs_bf16_to_f32(const uint16_t *src, float *dst, long count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2")) { bf16_avx2(src, dst, count); return; }
#endif
    for (long i = 0; i < count; i++) dst[i] = bf16_scalar(src[i]);
}

void fs_f16_to_f32(const uint16_t *src, float *dst, long count) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("f16c")) { f16_f16c(src, dst, count); return; }
#endif
    for (long i = 0; i < count; i++) dst[i] = f16_scalar(src[i]);
}
