/**
 * Exact silhouette widths (Euclidean), as `sklearn.metrics.silhouette_samples`: a = mean distance to
 * the other cells of the own cluster, b = smallest mean distance to another cluster, s = (b − a) /
 * max(a, b); a cell alone in its cluster (or with a = b = 0) scores 0. Blocked like knn.ts: per
 * block of rows, the distances to every cell are summed per cluster, never an n × n matrix.
 * Then scIB's scalings as scib-metrics defines them (`silhouette_label`, `silhouette_batch`).
 */
import { InputError } from "../../errors.ts";
import { codeCounts, denseCodes, gatherCodes, gatherRows, presentRows } from "./codes.ts";
import {
  blockRows,
  centerColumns,
  type DistanceKernel,
  distanceKernel,
  rowNorms,
  squaredDistances,
} from "./pairwise-distances.ts";

export interface SilhouetteOptions {
  kernel?: DistanceKernel;
  blockBudget?: number;
}

/**
 * Silhouette width of each of the n rows of x for the cluster codes 0..clusters-1 (every code
 * present, none missing). Needs 2 ≤ clusters ≤ n − 1, as sklearn does.
 */
export function silhouetteSamples(
  x: Float32Array,
  n: number,
  d: number,
  codes: Int32Array,
  clusters: number,
  opts: SilhouetteOptions = {},
): Float64Array {
  if (clusters < 2 || clusters > n - 1)
    throw new InputError(`silhouette needs 2 to n − 1 clusters; got ${clusters} for ${n} cells`);
  const counts = codeCounts(codes, clusters);
  const kernel = distanceKernel(opts.kernel);
  const centered = centerColumns(x, n, d);
  const norms = rowNorms(centered, n, d);
  const block = blockRows(n, opts.blockBudget);
  const dist = new Float32Array(block * n);
  const sums = new Float64Array(clusters);
  const out = new Float64Array(n);
  for (let r0 = 0; r0 < n; r0 += block) {
    const rows = Math.min(block, n - r0);
    const q = centered.subarray(r0 * d, (r0 + rows) * d);
    squaredDistances(q, rows, centered, n, d, dist, kernel, norms.subarray(r0, r0 + rows), norms, r0);
    for (let b = 0; b < rows; b++) {
      const i = r0 + b,
        row = b * n,
        own = codes[i]!;
      sums.fill(0);
      for (let j = 0; j < n; j++) sums[codes[j]!]! += Math.sqrt(dist[row + j]!);
      if (counts[own]! <= 1) continue;
      const a = sums[own]! / (counts[own]! - 1);
      let nearest = Infinity;
      for (let c = 0; c < clusters; c++)
        if (c !== own && sums[c]! / counts[c]! < nearest) nearest = sums[c]! / counts[c]!;
      const denom = Math.max(a, nearest);
      out[i] = denom > 0 ? (nearest - a) / denom : 0;
    }
  }
  return out;
}

/** Mean silhouette width (sklearn's `silhouette_score`). */
export function silhouetteScore(
  x: Float32Array,
  n: number,
  d: number,
  codes: Int32Array,
  clusters: number,
  opts: SilhouetteOptions = {},
): number {
  return mean(silhouetteSamples(x, n, d, codes, clusters, opts));
}

/**
 * scIB's label ASW: (silhouette_score(X, labels) + 1) / 2 over the cells with a label; undefined
 * when fewer than 2 labels (or fewer than labels + 1 cells) remain.
 */
export function labelAsw(
  x: Float32Array,
  n: number,
  d: number,
  label: Int32Array,
  opts: SilhouetteOptions = {},
): number | undefined {
  const rows = presentRows(n, label);
  const { codes, count } = denseCodes(gatherCodes(label, rows));
  if (count < 2 || count > rows.length - 1) return undefined;
  return (silhouetteScore(gatherRows(x, d, rows), rows.length, d, codes, count, opts) + 1) / 2;
}

/**
 * scIB's batch ASW: per label group with 2 ≤ batches < cells, the mean over its cells of
 * 1 − |silhouette_samples(X_group, batch_group)|, then the mean over groups. Without labels, one
 * group of all cells. Cells missing the batch (or the label) are left out; undefined when no
 * group qualifies.
 */
export function batchAsw(
  x: Float32Array,
  n: number,
  d: number,
  batch: Int32Array,
  label?: Int32Array,
  opts: SilhouetteOptions = {},
): number | undefined {
  const rows = presentRows(n, batch, label);
  const groups = label ? denseCodes(gatherCodes(label, rows)) : { codes: new Int32Array(rows.length), count: 1 };
  const members: number[][] = Array.from({ length: groups.count }, () => []);
  for (let i = 0; i < rows.length; i++) members[groups.codes[i]!]!.push(rows[i]!);
  const groupMeans: number[] = [];
  for (const group of members) {
    const cells = Int32Array.from(group);
    const { codes, count } = denseCodes(gatherCodes(batch, cells));
    if (count < 2 || count === cells.length) continue;
    const s = silhouetteSamples(gatherRows(x, d, cells), cells.length, d, codes, count, opts);
    let sum = 0;
    for (const v of s) sum += 1 - Math.abs(v);
    groupMeans.push(sum / s.length);
  }
  return groupMeans.length ? mean(groupMeans) : undefined;
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}
