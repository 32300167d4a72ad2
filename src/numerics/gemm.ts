/**
 * C = A · B (and Aᵀ · B) for row-major float32 matrices, C overwritten: OpenBLAS when it is found
 * (see native-blas.ts), else the TypeScript kernels (ts-gemm.ts for A · B).
 */
import { nativeSgemm } from "./native-blas.ts";
import { tsGemm } from "./ts-gemm.ts";

export function gemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  if (M === 0 || N === 0) return;
  const native = nativeSgemm().sgemm;
  if (native && K > 0) {
    native(M, N, K, A, B, C);
    return;
  }
  tsGemm(false, M, N, K, 1, A, K, B, N, 0, C, N);
}

/** C (M×N) = Aᵀ · B for A K×M and B K×N (row-major), overwritten: a sum of row outer products. */
export function gemmTN(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  if (M === 0 || N === 0) return;
  const native = nativeSgemm().sgemmTN;
  if (native && K > 0) {
    native(M, N, K, A, B, C);
    return;
  }
  C.fill(0, 0, M * N);
  for (let p = 0; p < K; p++)
    for (let i = 0; i < M; i++) {
      const a = A[p * M + i]!;
      if (a === 0) continue;
      for (let j = 0; j < N; j++) C[i * N + j]! += a * B[p * N + j]!;
    }
}
