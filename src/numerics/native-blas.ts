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
/**
 * The general row-major cblas_sgemm: C (M×N, row stride ldc) = alpha · op(A) · op(B) + beta · C,
 * op(A) M×K (Aᵀ stored K×M when transA), op(B) K×N (Bᵀ stored N×K when transB); strides in floats,
 * each array starting at its first element (pass a subarray for an offset).
 */
export type SgemmStrided = (
  transA: boolean,
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

export interface NativeBlas {
  sgemm?: Sgemm;
  sgemmNT?: SgemmNT;
  sgemmTN?: SgemmTN;
  sgemmStrided?: SgemmStrided;
  /** OpenBLAS's thread count (openblas_get_num_threads), when the library says */
  threads?: number;
  library?: string;
}

let loaded: NativeBlas | undefined;

const CANDIDATES = ["libopenblas.so.0", "libopenblas.so", "libcblas.so.3", "libblis.so.4"];

/**
 * openblas_get_num_threads(), or undefined for a BLAS that is not OpenBLAS; SCEMBED_CPU_THREADS
 * (a positive integer) sets it first (else OPENBLAS_NUM_THREADS or the core count, OpenBLAS's own rule)
 */
function openblasThreads(lib: { func(signature: string): (...args: unknown[]) => unknown }): number | undefined {
  try {
    const wanted = Number(process.env["SCEMBED_CPU_THREADS"]);
    if (Number.isInteger(wanted) && wanted > 0) lib.func("void openblas_set_num_threads(int)")(wanted);
    return Number(lib.func("int openblas_get_num_threads(void)")());
  } catch {
    return undefined;
  }
}

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
        sgemmStrided: (tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc) =>
          fn(ROW_MAJOR, tA ? TRANS : NO_TRANS, tB ? TRANS : NO_TRANS, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc),
        threads: openblasThreads(lib),
      };
      return loaded;
    } catch {
      /* try the next name */
    }
  }
  return loaded;
}
