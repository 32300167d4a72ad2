/**
 * k-means for the report's NMI / ARI (scib-metrics' Benchmarker default clusters with k-means,
 * k = the number of labels): greedy k-means++ seeding (sklearn's, 2 + ⌊ln k⌋ candidates per centre)
 * from a seeded RNG, Lloyd iterations until no assignment changes or 300 iterations, the best of a
 * few seedings by inertia. Distances from pairwise-distances.ts (native sgemm or TypeScript).
 */
import {
  centerColumns,
  type DistanceKernel,
  distanceKernel,
  rowNorms,
  squaredDistances,
} from "./pairwise-distances.ts";
import { SeededRandom } from "../../numerics/random.ts";

export interface KMeansOptions {
  seed: number;
  /** seedings tried (the lowest inertia wins); default 3 */
  inits?: number;
  maxIterations?: number;
  kernel?: DistanceKernel;
}

export interface KMeansResult {
  assignment: Int32Array;
  /** sum of squared distances to the assigned centres */
  inertia: number;
  iterations: number;
}

/** k-means of the n rows of x (n × d); k is clamped to n. */
export function kMeans(x: Float32Array, n: number, d: number, k: number, opts: KMeansOptions): KMeansResult {
  k = Math.max(1, Math.min(k, n));
  const kernel = distanceKernel(opts.kernel);
  const data = centerColumns(x, n, d);
  const norms = rowNorms(data, n, d);
  const rng = new SeededRandom(opts.seed);
  const random = () => rng.next();
  let best: KMeansResult | undefined;
  for (let run = 0; run < (opts.inits ?? 3); run++) {
    const centres = plusPlus(data, n, d, k, random, kernel, norms);
    const result = lloyd(data, n, d, k, centres, opts.maxIterations ?? 300, kernel, norms);
    if (!best || result.inertia < best.inertia) best = result;
  }
  return best!;
}

function plusPlus(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  random: () => number,
  kernel: DistanceKernel,
  norms: Float64Array,
): Float32Array {
  const centres = new Float32Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.min(n - 1, Math.floor(random() * n));
  centres.set(x.subarray(first * d, first * d + d), 0);
  const closest = new Float32Array(n);
  squaredDistances(
    x.subarray(first * d, first * d + d),
    1,
    x,
    n,
    d,
    closest,
    kernel,
    norms.subarray(first, first + 1),
    norms,
  );
  const candidate = new Float32Array(n);
  const bestCandidate = new Float32Array(n);
  for (let c = 1; c < k; c++) {
    let potential = 0;
    for (const v of closest) potential += v;
    let bestIndex = -1,
      bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      const j = pickWeighted(closest, potential, random());
      squaredDistances(x.subarray(j * d, j * d + d), 1, x, n, d, candidate, kernel, norms.subarray(j, j + 1), norms);
      let p = 0;
      for (let i = 0; i < n; i++) p += Math.min(closest[i]!, candidate[i]!);
      if (p < bestPotential) {
        bestPotential = p;
        bestIndex = j;
        bestCandidate.set(candidate);
      }
    }
    centres.set(x.subarray(bestIndex * d, bestIndex * d + d), c * d);
    for (let i = 0; i < n; i++) if (bestCandidate[i]! < closest[i]!) closest[i] = bestCandidate[i]!;
  }
  return centres;
}

/** The index i with cumulative weight just above u × total (uniform when all weights are 0). */
function pickWeighted(weights: Float32Array, total: number, u: number): number {
  if (!(total > 0)) return Math.min(weights.length - 1, Math.floor(u * weights.length));
  let target = u * total,
    last = 0;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i]! > 0) last = i;
    target -= weights[i]!;
    if (target < 0 && weights[i]! > 0) return i;
  }
  return last;
}

function lloyd(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  centres: Float32Array,
  maxIterations: number,
  kernel: DistanceKernel,
  norms: Float64Array,
): KMeansResult {
  const assignment = new Int32Array(n).fill(-1);
  const dist = new Float32Array(n * k);
  const sums = new Float64Array(k * d),
    counts = new Int32Array(k);
  let inertia = 0,
    iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    squaredDistances(x, n, centres, k, d, dist, kernel, norms, rowNorms(centres, k, d));
    let changed = false;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (dist[i * k + c]! < dist[i * k + best]!) best = c;
      inertia += dist[i * k + best]!;
      if (assignment[i] !== best) {
        assignment[i] = best;
        changed = true;
      }
    }
    if (!changed) break;
    sums.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]!++;
      for (let t = 0; t < d; t++) sums[c * d + t]! += x[i * d + t]!;
    }
    // an empty cluster keeps its centre
    for (let c = 0; c < k; c++)
      if (counts[c]! > 0) for (let t = 0; t < d; t++) centres[c * d + t] = sums[c * d + t]! / counts[c]!;
  }
  return { assignment, inertia, iterations };
}
