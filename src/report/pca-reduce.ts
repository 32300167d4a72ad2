/**
 * An embedding wider than 50 dimensions is reduced to its top 50 principal components before the
 * kNN graph, the metrics and the layout (as scIB and scanpy do). Randomized SVD of the centered
 * sample (Halko et al.; scikit-learn's power-iteration rule: 7 iterations when k < 10 % of the
 * smaller side, else 4), each pass streaming the sample's blocks, so a sample kept on disk works.
 */
import { jacobiEigen } from "../numerics/eigen.ts";
import { gemm, gemmTN } from "../numerics/gemm.ts";
import { SeededRandom } from "../numerics/random.ts";
import type { SampleMatrix } from "./sample-matrix.ts";

/** Embeddings wider than this are reduced by PCA to it before the kNN graph, the metrics and the layout. */
export const REDUCED_DIM = 50;

export interface PcaResult {
  /** n × k principal-component scores */
  scores: Float32Array;
  k: number;
  /** variance of each component (descending) */
  variance: number[];
}

export async function pcaReduce(m: SampleMatrix, k: number, seed: number): Promise<PcaResult> {
  const { rows: n, dim: d } = m;
  k = Math.min(k, n, d);
  const l = Math.min(k + 10, n, d);
  const mean = new Float64Array(d);
  await m.forEachBlock((b, _s, r) => {
    for (let i = 0; i < r; i++) for (let j = 0; j < d; j++) mean[j]! += b[i * d + j]!;
  });
  for (let j = 0; j < d; j++) mean[j]! /= n;
  const rng = new SeededRandom(seed);
  const omega = Float32Array.from({ length: d * l }, () => rng.normal());
  let y = await centeredTimes(m, mean, omega, l);
  const iterations = k < 0.1 * Math.min(n, d) ? 7 : 4;
  for (let it = 0; it < iterations; it++) {
    const z = await centeredTransposeTimes(m, mean, orthonormalize(y, n, l, 1), l);
    y = await centeredTimes(m, mean, orthonormalize(z, d, l, 1), l);
  }
  const q = orthonormalize(y, n, l, 2);
  const bt = await centeredTransposeTimes(m, mean, q, l); // (X − μ)ᵀ Q, d × l
  const g = new Float64Array(l * l);
  for (let r = 0; r < d; r++)
    for (let a = 0; a < l; a++) {
      const v = bt[r * l + a]!;
      for (let b = 0; b < l; b++) g[a * l + b]! += v * bt[r * l + b]!;
    }
  const eig = jacobiEigen(g, l);
  const w = new Float32Array(l * k); // U_B · S, l × k
  for (let a = 0; a < l; a++)
    for (let j = 0; j < k; j++) w[a * k + j] = eig.vectors[a * l + j]! * Math.sqrt(Math.max(0, eig.values[j]!));
  const scores = new Float32Array(n * k);
  gemm(n, k, l, q, w, scores);
  const variance = Array.from(eig.values.slice(0, k), (v) => Math.max(0, v) / Math.max(1, n - 1));
  return { scores, k, variance };
}

/** (X − 1μᵀ) · B for B d × l: n × l */
async function centeredTimes(m: SampleMatrix, mean: Float64Array, b: Float32Array, l: number): Promise<Float32Array> {
  const { rows: n, dim: d } = m;
  const shift = new Float64Array(l);
  for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) shift[c]! += mean[j]! * b[j * l + c]!;
  const out = new Float32Array(n * l);
  await m.forEachBlock((block, s, r) => {
    const part = out.subarray(s * l, (s + r) * l);
    gemm(r, l, d, block, b, part);
    for (let i = 0; i < r * l; i++) part[i]! -= shift[i % l]!;
  });
  return out;
}

/** (X − 1μᵀ)ᵀ · Q for Q n × l: d × l */
async function centeredTransposeTimes(
  m: SampleMatrix,
  mean: Float64Array,
  q: Float32Array,
  l: number,
): Promise<Float32Array> {
  const { dim: d } = m;
  const acc = new Float64Array(d * l);
  const colSums = new Float64Array(l);
  const part = new Float32Array(d * l);
  await m.forEachBlock((block, s, r) => {
    const qb = q.subarray(s * l, (s + r) * l);
    gemmTN(d, l, r, block, qb, part);
    for (let i = 0; i < d * l; i++) acc[i]! += part[i]!;
    for (let i = 0; i < r * l; i++) colSums[i % l]! += qb[i]!;
  });
  const out = new Float32Array(d * l);
  for (let j = 0; j < d; j++) for (let c = 0; c < l; c++) out[j * l + c] = acc[j * l + c]! - mean[j]! * colSums[c]!;
  return out;
}

/**
 * An orthonormal basis of the columns of a (rows × l), by modified Gram–Schmidt in float64; one
 * pass between power iterations (scikit-learn only LU-normalizes there), two for the final basis.
 */
function orthonormalize(a: Float32Array, rows: number, l: number, passes: number): Float32Array {
  const cols = Array.from({ length: l }, (_, c) => {
    const v = new Float64Array(rows);
    for (let i = 0; i < rows; i++) v[i] = a[i * l + c]!;
    return v;
  });
  for (let c = 0; c < l; c++) {
    const v = cols[c]!;
    for (let pass = 0; pass < passes; pass++)
      for (let p = 0; p < c; p++) {
        const u = cols[p]!;
        let dot = 0;
        for (let i = 0; i < rows; i++) dot += u[i]! * v[i]!;
        for (let i = 0; i < rows; i++) v[i]! -= dot * u[i]!;
      }
    let norm = 0;
    for (let i = 0; i < rows; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < rows; i++) v[i] = norm > 1e-30 ? v[i]! / norm : 0;
  }
  const out = new Float32Array(rows * l);
  for (let c = 0; c < l; c++) for (let i = 0; i < rows; i++) out[i * l + c] = cols[c]![i]!;
  return out;
}
