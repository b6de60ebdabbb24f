// ggml's 32-value quantized blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) widened to float32 a run of
// blocks at a time, for products whose weights stay quantized: a block of weight rows is widened
// into a float32 tile that OpenBLAS then multiplies. Each value is exactly what ggml's
// `dequantize_row_*` and the gguf Python package's `dequantize` give (no fused multiply-add).
// Also FlowStudio's Q4_0 quantizer (Q8_0's is in q8_0.h), byte for byte the gguf package's.
#ifndef FLOWSTUDIO_BLOCKS_H
#define FLOWSTUDIO_BLOCKS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// dst[0..<count] = the values of the count/32 Q8_0 blocks at `src` (34 bytes each: float16 d,
/// 32 int8 q; x = d·q). AVX2 where the CPU has it, else a plain loop.
void fs_widen_q8_0(const void *src, float *dst, int64_t count);
/// Q4_0 blocks (18 bytes: d, 16 bytes; byte j holds value j low and j+16 high; x = d·(q − 8)).
void fs_widen_q4_0(const void *src, float *dst, int64_t count);
/// Q4_1 blocks (20 bytes: d, m, 16 bytes; x = d·q + m).
void fs_widen_q4_1(const void *src, float *dst, int64_t count);
/// Q5_0 blocks (22 bytes: d, uint32 qh, 16 bytes; fifth bit j of qh; x = d·(q − 16)).
void fs_widen_q5_0(const void *src, float *dst, int64_t count);
/// Q5_1 blocks (24 bytes: d, m, qh, 16 bytes; x = d·q + m).
void fs_widen_q5_1(const void *src, float *dst, int64_t count);

/// Quantizes `k` floats (a multiple of 32) into k/32 Q4_0 blocks (18 bytes each) as the gguf
/// package's `Q4_0.quantize_blocks` does: m = the value of largest magnitude (first one),
/// d = m / −8, q = min(15, trunc(x · (1/d) + 8.5)), d stored as float16 (round to nearest even).
void fs_quantize_row_q4_0(const float *x, void *y, int64_t k);

#ifdef __cplusplus
}
#endif

#endif
