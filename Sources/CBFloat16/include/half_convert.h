#ifndef FLOWSTUDIO_HALF_CONVERT_H
#define FLOWSTUDIO_HALF_CONVERT_H

#include <stdint.h>

/// Widening of 16-bit floats to float32 for products over half-precision weights: the weights
/// stay in their file's 16-bit format and are widened a block of rows at a time into a small
/// float32 scratch that OpenBLAS then multiplies. Both conversions are exact.

/// dst[i] = the float32 value of the bfloat16 pattern src[i] (a 16-bit shift), i < count.
void fs_bf16_to_f32(const uint16_t *src, float *dst, long count);

/// dst[i] = the float32 value of the IEEE half-precision pattern src[i], i < count: F16C
/// (`vcvtph2ps`) where the CPU has it, else a portable bit conversion.
void fs_f16_to_f32(const uint16_t *src, float *dst, long count);

#endif
