/**
 * Clustering agreement, as scib-metrics' `nmi_ari_cluster_labels_kmeans` (the Benchmarker's
 * default): k-means with k = the number of labels (kmeans.ts), compared with the labels by
 * `adjustedRandIndex` and `normalizedMutualInfo` (arithmetic normalisation, sklearn's default),
 * both from the contingency table and equal to sklearn 1.2's `adjusted_rand_score` and
 * `normalized_mutual_info_score`, special cases included.
 */
import { InputError } from "../../errors.ts";
import { codeCounts, denseCodes, gatherCodes, gatherRows, presentRows } from "./codes.ts";
import type { DistanceKernel } from "./pairwise-distances.ts";
import { kMeans } from "./kmeans.ts";

interface Contingency {
  table: Float64Array;
  rows: Float64Array;
  cols: Float64Array;
  nRows: number;
  nCols: number;
  n: number;
}

function contingency(a: Int32Array, b: Int32Array): Contingency {
  if (a.length !== b.length) throw new InputError(`labelings differ in length: ${a.length} ≠ ${b.length}`);
  const da = denseCodes(a),
    db = denseCodes(b);
  const table = new Float64Array(da.count * db.count);
  for (let i = 0; i < a.length; i++) {
    if (da.codes[i]! < 0 || db.codes[i]! < 0)
      throw new InputError("labelings for ARI / NMI must have no missing codes");
    table[da.codes[i]! * db.count + db.codes[i]!]!++;
  }
  return {
    table,
    rows: Float64Array.from(codeCounts(da.codes, da.count)),
    cols: Float64Array.from(codeCounts(db.codes, db.count)),
    nRows: da.count,
    nCols: db.count,
    n: a.length,
  };
}

const pairs = (v: number) => (v * (v - 1)) / 2;

/** sklearn's `adjusted_rand_score` (1 when both labelings agree on every pair). */
export function adjustedRandIndex(a: Int32Array, b: Int32Array): number {
  const c = contingency(a, b);
  let index = 0,
    sumA = 0,
    sumB = 0;
  for (const v of c.table) index += pairs(v);
  for (const v of c.rows) sumA += pairs(v);
  for (const v of c.cols) sumB += pairs(v);
  const total = pairs(c.n);
  // no pair disagrees (sklearn's fn = fp = 0): identical partitions, one cluster, all singletons
  if (index === sumA && index === sumB) return 1;
  const expected = (sumA * sumB) / total;
  return (index - expected) / ((sumA + sumB) / 2 - expected);
}

/** sklearn's `normalized_mutual_info_score` with average_method="arithmetic". */
export function normalizedMutualInfo(a: Int32Array, b: Int32Array): number {
  const c = contingency(a, b);
  if ((c.nRows === 1 && c.nCols === 1) || c.n === 0) return 1;
  const mi = mutualInfo(c);
  if (mi === 0) return 0;
  return mi / ((entropy(c.rows, c.n) + entropy(c.cols, c.n)) / 2);
}

function mutualInfo(c: Contingency): number {
  if (c.nRows === 1 || c.nCols === 1) return 0;
  const logN = Math.log(c.n);
  let mi = 0;
  for (let i = 0; i < c.nRows; i++)
    for (let j = 0; j < c.nCols; j++) {
      const v = c.table[i * c.nCols + j]!;
      if (v === 0) continue;
      const p = v / c.n;
      const term = p * (Math.log(v) - logN) + p * (-Math.log(c.rows[i]! * c.cols[j]!) + logN + logN);
      if (Math.abs(term) >= Number.EPSILON) mi += term;
    }
  return Math.max(0, mi);
}

function entropy(counts: Float64Array, n: number): number {
  const logN = Math.log(n);
  let h = 0;
  for (const v of counts) if (v > 0) h -= (v / n) * (Math.log(v) - logN);
  return h;
}

/**
 * NMI and ARI of the labels against k-means (k = labels) on the cells with a label; undefined
 * when fewer than 2 labels are present.
 */
export function kMeansNmiAri(
  x: Float32Array,
  n: number,
  d: number,
  label: Int32Array,
  seed: number,
  kernel?: DistanceKernel,
): { nmi: number; ari: number } | undefined {
  const rows = presentRows(n, label);
  const { codes, count } = denseCodes(gatherCodes(label, rows));
  if (count < 2) return undefined;
  const { assignment } = kMeans(gatherRows(x, d, rows), rows.length, d, count, { seed, kernel });
  return { nmi: normalizedMutualInfo(codes, assignment), ari: adjustedRandIndex(codes, assignment) };
}
