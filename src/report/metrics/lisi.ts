/**
 * Harmony's Local Inverse Simpson's Index (LISI), as harmonypy's `compute_simpson` and
 * scib-metrics' `compute_simpson_index` compute it from the kNN Euclidean distances (k = 90,
 * perplexity 30): per cell, a binary search on beta for P = exp(−D·beta) / Σ exp(−D·beta) whose
 * entropy H reaches log(perplexity) (|H − log perplexity| < 1e-5, at most 50 steps); Simpson's
 * index = Σ over categories of (Σ P over the neighbours in it)², LISI = 1 / Simpson. As both
 * references do, a cell whose final H is exactly 0 gets Simpson −1 (LISI −1).
 * Here the cell itself is not among its neighbours (harmonypy drops it; scib-metrics masks it).
 * Cells with a missing code (-1), or without a neighbour that has a code, get NaN; cells with a
 * missing code are not counted as anyone's neighbours.
 * Scaled as scib-metrics: iLISI = (median − 1) / (batches − 1), cLISI = (labels − median) / (labels − 1).
 */
import { denseCodes } from "./codes.ts";
import type { Knn } from "./knn.ts";

export const LISI_PERPLEXITY = 30;
const TOLERANCE = 1e-5;
const MAX_STEPS = 50;

/** LISI of each cell for the category codes (NaN where the cell's code is missing). */
export function lisiPerCell(knn: Knn, codes: Int32Array, perplexity = LISI_PERPLEXITY): Float64Array {
  const { codes: dense, count } = denseCodes(codes);
  const k = knn.k,
    n = dense.length;
  const out = new Float64Array(n).fill(Number.NaN);
  const D = new Float64Array(k),
    cat = new Int32Array(k),
    P = new Float64Array(k),
    perCategory = new Float64Array(Math.max(1, count));
  const logU = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    if (dense[i]! < 0) continue;
    let m = 0;
    for (let t = 0; t < k; t++) {
      const j = knn.indices[i * k + t]!;
      if (dense[j]! < 0) continue;
      D[m] = knn.distances[i * k + t]!;
      cat[m++] = dense[j]!;
    }
    if (m === 0) continue;
    const H = neighbourProbabilities(D, m, P, logU);
    let simpson = 0;
    if (H === 0) simpson = -1;
    else {
      perCategory.fill(0);
      for (let t = 0; t < m; t++) perCategory[cat[t]!]! += P[t]!;
      for (const p of perCategory) simpson += p * p;
    }
    out[i] = 1 / simpson;
  }
  return out;
}

/** Binary search on beta (harmonypy's): fills P[0..m) and returns the final entropy H. */
function neighbourProbabilities(D: Float64Array, m: number, P: Float64Array, logU: number): number {
  let beta = 1,
    betaMin = -Infinity,
    betaMax = Infinity;
  let H = entropyAt(D, m, beta, P);
  let diff = H - logU;
  for (let tries = 0; Math.abs(diff) > TOLERANCE && tries < MAX_STEPS; tries++) {
    if (diff > 0) {
      betaMin = beta;
      beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
    }
    H = entropyAt(D, m, beta, P);
    diff = H - logU;
  }
  return H;
}

/** P = exp(−D·beta) normalised (all 0 when the sum underflows) and its entropy (0 then). */
function entropyAt(D: Float64Array, m: number, beta: number, P: Float64Array): number {
  let sum = 0,
    weighted = 0;
  for (let t = 0; t < m; t++) {
    P[t] = Math.exp(-D[t]! * beta);
    sum += P[t]!;
    weighted += D[t]! * P[t]!;
  }
  if (sum === 0) {
    P.fill(0, 0, m);
    return 0;
  }
  for (let t = 0; t < m; t++) P[t]! /= sum;
  return Math.log(sum) + (beta * weighted) / sum;
}

/** numpy's nanmedian: the median of the non-NaN values (NaN when none). */
export function nanMedian(values: Float64Array): number {
  const v = Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort();
  if (v.length === 0) return Number.NaN;
  const h = v.length >> 1;
  return v.length % 2 ? v[h]! : (v[h - 1]! + v[h]!) / 2;
}

/** scib-metrics' scaled iLISI: (median LISI of the batch − 1) / (batches − 1); undefined under 2 batches. */
export function ilisiScaled(knn: Knn, batch: Int32Array): number | undefined {
  const batches = denseCodes(batch).count;
  if (batches < 2) return undefined;
  return (nanMedian(lisiPerCell(knn, batch)) - 1) / (batches - 1);
}

/** scib-metrics' scaled cLISI: (labels − median LISI of the label) / (labels − 1); undefined under 2 labels. */
export function clisiScaled(knn: Knn, label: Int32Array): number | undefined {
  const labels = denseCodes(label).count;
  if (labels < 2) return undefined;
  return (labels - nanMedian(lisiPerCell(knn, label))) / (labels - 1);
}
