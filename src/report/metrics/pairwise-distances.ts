/**
 * Squared Euclidean distances between the rows of two row-major float32 matrices, one block of query
 * rows at a time: ‖a‖² + ‖b‖² − 2 a·bᵀ with OpenBLAS's sgemm (A · Bᵀ) when it is there, else a
 * TypeScript loop over the differences in float64 (SCEMBED_BLAS=off forces it). Negatives from
 * rounding are clamped to 0. Callers center the data first (`centerColumns`): it leaves distances
 * unchanged and keeps the float32 GEMM's cancellation error small.
 */
import { nativeSgemm } from "../../numerics/native-blas.ts";

/** Which kernel computes the distances: the native GEMM, or the TypeScript loop. */
export type DistanceKernel = "blas" | "typescript";

/** The native GEMM when present and not switched off; `prefer` forces the TypeScript loop. */
export function distanceKernel(prefer?: DistanceKernel): DistanceKernel {
  if (prefer === "typescript") return "typescript";
  return nativeSgemm().sgemmNT ? "blas" : "typescript";
}

/** x minus its column means (computed in float64), as a new matrix. */
export function centerColumns(x: Float32Array, n: number, d: number): Float32Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= Math.max(1, n);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = x[i * d + j]! - mean[j]!;
  return out;
}

/** Squared Euclidean norm of every row (float64 sums). */
export function rowNorms(x: Float32Array, n: number, d: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * d, end = j + d; j < end; j++) s += x[j]! * x[j]!;
    out[i] = s;
  }
  return out;
}

/** Query rows per block so that a block of distances to n rows holds about `budget` floats. */
export function blockRows(n: number, budget = 1 << 22): number {
  return Math.max(1, Math.min(n, Math.floor(budget / Math.max(1, n))));
}

/**
 * Squared distances of the m rows of `a` to the nb rows of `b` into out (m × nb, row-major).
 * `normsA` / `normsB` are the squared row norms (rowNorms), used by the GEMM kernel only.
 * With `selfOffset`, row i of a is row selfOffset + i of b and that distance is set to exactly 0.
 */
export function squaredDistances(
  a: Float32Array,
  m: number,
  b: Float32Array,
  nb: number,
  d: number,
  out: Float32Array,
  kernel: DistanceKernel,
  normsA?: Float64Array,
  normsB?: Float64Array,
  selfOffset?: number,
): void {
  const sgemmNT = kernel === "blas" ? nativeSgemm().sgemmNT : undefined;
  if (sgemmNT) {
    const na = normsA ?? rowNorms(a, m, d),
      nbn = normsB ?? rowNorms(b, nb, d);
    sgemmNT(m, nb, d, a.subarray(0, m * d), b.subarray(0, nb * d), out);
    for (let i = 0; i < m; i++) {
      const ni = na[i]!,
        row = i * nb;
      for (let j = 0; j < nb; j++) {
        const v = ni + nbn[j]! - 2 * out[row + j]!;
        out[row + j] = Math.max(v, 0);
      }
    }
  } else {
    for (let i = 0; i < m; i++) {
      const ai = i * d,
        row = i * nb;
      for (let j = 0; j < nb; j++) {
        const bj = j * d;
        let s = 0;
        for (let t = 0; t < d; t++) {
          const diff = a[ai + t]! - b[bj + t]!;
          s += diff * diff;
        }
        out[row + j] = s;
      }
    }
  }
  if (selfOffset !== undefined) for (let i = 0; i < m; i++) out[i * nb + selfOffset + i] = 0;
}

/** Exact squared distance of rows i and j of x, in float64. */
export function exactSquaredDistance(x: Float32Array, d: number, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) {
    const diff = x[i * d + t]! - x[j * d + t]!;
    s += diff * diff;
  }
  return s;
}
