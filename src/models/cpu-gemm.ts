/**
 * The strided single-precision GEMM the fast CPU device runs on: OpenBLAS's cblas_sgemm when
 * native-blas.ts finds it (and SCEMBED_BLAS is not off), else a blocked TypeScript kernel.
 * C (M×N, row stride ldc) = alpha · A · op(B) + beta · C, A M×K (stride lda), B K×N or, with
 * transB, N×K (stride ldb); every array starts at its first element (subarrays for offsets).
 */
import { nativeSgemm } from "../numerics/native-blas.ts";
import { type Gemm, tsGemm } from "../numerics/ts-gemm.ts";

export type { Gemm };

/** the GEMM in use, and where it comes from ("OpenBLAS <lib>" or "TypeScript") */
export function cpuGemm(useBlas = true): { gemm: Gemm; source: string } {
  const native = nativeSgemm();
  const strided = useBlas ? native.sgemmStrided : undefined;
  if (strided) {
    return {
      gemm: (tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) => {
        if (M === 0 || N === 0) return;
        strided(false, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      },
      source: `OpenBLAS (${native.library}${native.threads ? `, ${native.threads} threads` : ""})`,
    };
  }
  return { gemm: tsGemm, source: "TypeScript" };
}
