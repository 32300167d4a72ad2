/**
 * The strided single-precision GEMM in TypeScript, for when no BLAS is found (or SCEMBED_BLAS is
 * off): C (M×N, row stride ldc) = alpha · A · op(B) + beta · C, A M×K (stride lda), B K×N or, with
 * transB, N×K (stride ldb); every array starts at its first element (subarrays for offsets).
 */

export type Gemm = (
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float32Array,
  lda: number,
  B: Float32Array,
  ldb: number,
  beta: number,
  C: Float32Array,
  ldc: number,
) => void;

/** rows of C per block: four at a time share each loaded value of B */
const ROWS = 4;

/** The TypeScript fallback: A·Bᵀ as dot products four rows at a time, A·B as row updates. */
export const tsGemm: Gemm = (transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) => {
  for (let i = 0; i < M; i++) {
    const c = i * ldc;
    for (let j = 0; j < N; j++) C[c + j] = beta === 0 ? 0 : beta * C[c + j]!;
  }
  if (transB) {
    let i = 0;
    for (; i + ROWS <= M; i += ROWS) {
      const a0 = i * lda,
        a1 = a0 + lda,
        a2 = a1 + lda,
        a3 = a2 + lda;
      for (let j = 0; j < N; j++) {
        const b = j * ldb;
        let s0 = 0,
          s1 = 0,
          s2 = 0,
          s3 = 0;
        for (let k = 0; k < K; k++) {
          const v = B[b + k]!;
          s0 += A[a0 + k]! * v;
          s1 += A[a1 + k]! * v;
          s2 += A[a2 + k]! * v;
          s3 += A[a3 + k]! * v;
        }
        C[i * ldc + j]! += alpha * s0;
        C[(i + 1) * ldc + j]! += alpha * s1;
        C[(i + 2) * ldc + j]! += alpha * s2;
        C[(i + 3) * ldc + j]! += alpha * s3;
      }
    }
    for (; i < M; i++) {
      const a = i * lda;
      for (let j = 0; j < N; j++) {
        const b = j * ldb;
        let s = 0;
        for (let k = 0; k < K; k++) s += A[a + k]! * B[b + k]!;
        C[i * ldc + j]! += alpha * s;
      }
    }
    return;
  }
  for (let i = 0; i < M; i++) {
    const c = i * ldc,
      a = i * lda;
    for (let k = 0; k < K; k++) {
      const v = alpha * A[a + k]!;
      if (v === 0) continue;
      const b = k * ldb;
      for (let j = 0; j < N; j++) C[c + j]! += v * B[b + j]!;
    }
  }
};
