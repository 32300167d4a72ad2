/**
 * C = A · B for row-major float32 matrices (A M×K, B K×N, C M×N, overwritten): OpenBLAS when it
 * is found (see native-blas.ts), else a cache-friendly TypeScript loop. And a plain transpose.
 */
import { nativeSgemm } from "./native-blas.ts";

export function gemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array): void {
  if (M === 0 || N === 0) return;
  const native = nativeSgemm().sgemm;
  if (native && K > 0) {
    native(M, N, K, A, B, C);
    return;
  }
  C.fill(0, 0, M * N);
  for (let i = 0; i < M; i++) {
    const c = i * N;
    for (let p = 0; p < K; p++) {
      const a = A[i * K + p]!;
      if (a === 0) continue;
      const b = p * N;
      for (let j = 0; j < N; j++) C[c + j]! += a * B[b + j]!;
    }
  }
}

/** out (cols × rows) = a (rows × cols) transposed */
export function transpose(a: Float32Array, rows: number, cols: number, out: Float32Array): Float32Array {
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j]!;
  return out;
}
