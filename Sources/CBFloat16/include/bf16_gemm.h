#ifndef FLOWSTUDIO_BF16_GEMM_H
#define FLOWSTUDIO_BF16_GEMM_H

/// Mixed-precision matrix products for training: the operands are rounded to bfloat16 (round to
/// nearest even, as PyTorch's autocast does) and multiplied with AVX-512 BF16 dot products that
/// accumulate in float32. OpenBLAS as packaged by Debian has no bfloat16 GEMM, hence this one.

/// 1 when this CPU and OS can run `fs_bf16_gemm` (x86-64 with AVX512F/BW/VL/DQ and AVX512_BF16,
/// and an OS that saves the AVX-512 registers); 0 otherwise.
int fs_bf16_gemm_available(void);

/// C = alpha · A·B + beta · C in row-major C[m, n] with leading dimension ldc, where element
/// (i, p) of A is a[i·a_row_stride + p·a_col_stride] and element (p, j) of B is
/// b[p·b_row_stride + j·b_col_stride] (so transposes are strides). A and B are rounded to
/// bfloat16; products accumulate in float32. With beta == 0, C is not read. Single-threaded.
/// Only call when fs_bf16_gemm_available() returns 1.
void fs_bf16_gemm(long m, long n, long k, float alpha,
                  const float *a, long a_row_stride, long a_col_stride,
                  const float *b, long b_row_stride, long b_col_stride,
                  float beta, float *c, long ldc);

#endif
