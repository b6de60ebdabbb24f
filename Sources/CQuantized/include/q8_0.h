// ggml's Q8_0 blocks (32 int8 values and one float16 scale) and their dot product, for matrix
// products whose weights stay quantized: the activations are quantized per 32-value block as ggml
// does (`quantize_row_q8_0`), then each output is a sum over blocks of d_w · d_x · Σ q_w · q_x
// with the inner sum in exact integer arithmetic.
#ifndef FLOWSTUDIO_Q8_0_H
#define FLOWSTUDIO_Q8_0_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Q8_0 block as stored in a GGUF file: the float16 scale's bits, then 32 int8 values (34 bytes).
typedef struct {
    uint16_t d;
    int8_t qs[32];
} fs_block_q8_0;

/// Quantizes `k` floats (a multiple of 32) into k/32 blocks exactly as ggml's
/// `quantize_row_q8_0_ref` (and the gguf Python package) do: d = max|x| / 127, q = roundf(x / d),
/// d stored as float16. The values are in [-127, 127].
void fs_quantize_row_q8_0(const float *x, fs_block_q8_0 *y, int64_t k);

/// Σ over the n/32 blocks of float16(w.d) · float16(x.d) · Σ w.qs · x.qs, the plain loop
/// (ggml's generic `ggml_vec_dot_q8_0_q8_0`): the test oracle. `x` must come from
/// `fs_quantize_row_q8_0` (values in [-127, 127]); `w` may hold any bytes.
float fs_vec_dot_q8_0_plain(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x);

/// The same with AVX2 (`_mm256_maddubs_epi16` on |w| and x·sign(w), as ggml's AVX2 path) when the
/// CPU has it, else the plain loop. The integer sums are the same; the float accumulation runs in
/// 8 lanes, so the result differs from the plain loop's by float rounding only.
float fs_vec_dot_q8_0(int64_t n, const fs_block_q8_0 *w, const fs_block_q8_0 *x);

/// 1 when `fs_vec_dot_q8_0` uses AVX2 on this CPU.
int fs_q8_0_avx2_available(void);

/// c[i·ldc + j] = Σ_k x_i · w_j for i in 0..<m and j in [j0, j1): `w` holds the weight rows
/// (n rows of k/32 blocks each), `x` the quantized activation rows (m rows of k/32 blocks).
/// `plain` selects the plain loop.
void fs_gemm_q8_0(int64_t m, int64_t j0, int64_t j1, int64_t k, const fs_block_q8_0 *w, const fs_block_q8_0 *x,
                  float *c, int64_t ldc, int plain);

#ifdef __cplusplus
}
#endif

#endif
