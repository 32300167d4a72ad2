/**
 * An optional native single-precision GEMM: OpenBLAS's cblas_sgemm through koffi (an FFI shipped
 * with prebuilt binaries on npm). Found via SCEMBED_BLAS_LIB or the usual library names; absent
 * (or SCEMBED_BLAS=off) means callers use their TypeScript kernels.
 */
import { createRequire } from "node:module";

/** C (M×N) = A (M×K) · B (K×N), all row-major float32. */
export type Sgemm = (M: number, N: number, K: number, A: Float32Array, B: Float32Array, C: Float32Array) => void;

/** C (M×N) = A (M×K) · Bᵀ where B is N×K, all row-major float32 (pairwise dot products of rows). */
export type SgemmNT = Sgemm;

/** C (M×N) = Aᵀ · B where A is K×M and B is K×N, all row-major float32 (a sum over rows). */
export type SgemmTN = Sgemm;

export interface NativeBlas {
  sgemm?: Sgemm;
  sgemmNT?: SgemmNT;
  sgemmTN?: SgemmTN;
  library?: string;
}

let loaded: NativeBlas | undefined;

const CANDIDATES = ["libopenblas.so.0", "libopenblas.so", "libcblas.so.3", "libblis.so.4"];

export function nativeSgemm(): NativeBlas {
  if (loaded) return loaded;
  loaded = {};
  if (process.env["SCEMBED_BLAS"] === "off") return loaded;
  let koffi: typeof import("koffi");
  try {
    koffi = createRequire(import.meta.url)("koffi");
  } catch {
    return loaded;
  }
  const names = process.env["SCEMBED_BLAS_LIB"] ? [process.env["SCEMBED_BLAS_LIB"]] : CANDIDATES;
  for (const name of names) {
    try {
      const lib = koffi.load(name);
      const fn = lib.func(
        "void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, float beta, _Inout_ float *C, int ldc)",
      );
      const ROW_MAJOR = 101,
        NO_TRANS = 111,
        TRANS = 112;
      loaded = {
        library: name,
        sgemm: (M, N, K, A, B, C) => fn(ROW_MAJOR, NO_TRANS, NO_TRANS, M, N, K, 1, A, K, B, N, 0, C, N),
        sgemmNT: (M, N, K, A, B, C) => fn(ROW_MAJOR, NO_TRANS, TRANS, M, N, K, 1, A, K, B, K, 0, C, N),
        sgemmTN: (M, N, K, A, B, C) => fn(ROW_MAJOR, TRANS, NO_TRANS, M, N, K, 1, A, M, B, N, 0, C, N),
      };
      return loaded;
    } catch {
      /* try the next name */
    }
  }
  return loaded;
}
