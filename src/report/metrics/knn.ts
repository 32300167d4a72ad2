/**
 * Exact k nearest neighbours (Euclidean, each cell's own row excluded, ties to the lower index) by
 * brute force over blocks of query rows: squared distances from pairwise-distances.ts (native sgemm
 * or TypeScript), the k + REFINE_MARGIN smallest per row kept in a bounded max-heap, then those
 * candidates' distances recomputed exactly in float64 from the input rows and sorted. The margin
 * absorbs the float32 GEMM's rounding near the k-th neighbour. Memory O(block × n), never n × n.
 */
import { InputError } from "../../errors.ts";
import {
  blockRows,
  centerColumns,
  type DistanceKernel,
  distanceKernel,
  exactSquaredDistance,
  rowNorms,
  squaredDistances,
} from "./pairwise-distances.ts";

/** Row i's neighbours are indices[i*k .. i*k+k), nearest first; distances are Euclidean. */
export interface Knn {
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

/** Extra candidates per row whose distances are recomputed exactly before the final k are chosen. */
const REFINE_MARGIN = 8;

/** Exact kNN of the n rows of x (n × d, row-major); k is clamped to n − 1. */
export function exactKnn(
  x: Float32Array,
  n: number,
  d: number,
  k: number,
  opts: { kernel?: DistanceKernel; blockBudget?: number } = {},
): Knn {
  if (x.length < n * d) throw new InputError(`kNN: ${x.length} values cannot hold ${n} × ${d}`);
  k = Math.max(0, Math.min(k, n - 1));
  const indices = new Int32Array(n * k),
    distances = new Float32Array(n * k);
  if (k === 0) return { k, indices, distances };
  const kernel = distanceKernel(opts.kernel);
  const centered = centerColumns(x, n, d);
  const norms = rowNorms(centered, n, d);
  const m = Math.min(n - 1, k + REFINE_MARGIN);
  const block = blockRows(n, opts.blockBudget);
  const dist = new Float32Array(block * n);
  const heap = new BoundedHeap(m);
  const candIdx = new Int32Array(m),
    candDist = new Float64Array(m),
    order = new Int32Array(m);
  for (let r0 = 0; r0 < n; r0 += block) {
    const rows = Math.min(block, n - r0);
    const q = centered.subarray(r0 * d, (r0 + rows) * d);
    squaredDistances(q, rows, centered, n, d, dist, kernel, norms.subarray(r0, r0 + rows), norms);
    for (let b = 0; b < rows; b++) {
      const i = r0 + b,
        row = b * n;
      heap.clear();
      let j = 0;
      for (; heap.size < m; j++) if (j !== i) heap.offer(dist[row + j]!, j);
      // the heap is full: only values below its top can enter (ties keep the lower index on top)
      const top = heap.value;
      for (; j < n; j++) {
        const v = dist[row + j]!;
        if (v < top[0]! && j !== i) heap.offer(v, j);
      }
      for (let c = 0; c < m; c++) {
        candIdx[c] = heap.index[c]!;
        candDist[c] = exactSquaredDistance(x, d, i, heap.index[c]!);
        order[c] = c;
      }
      order.sort((p, q2) => candDist[p]! - candDist[q2]! || candIdx[p]! - candIdx[q2]!);
      for (let t = 0; t < k; t++) {
        indices[i * k + t] = candIdx[order[t]!]!;
        distances[i * k + t] = Math.sqrt(candDist[order[t]!]!);
      }
    }
  }
  return { k, indices, distances };
}

/** The first `k` neighbours of each row of a kNN with at least k columns. */
export function firstNeighbours(knn: Knn, k: number): Knn {
  if (k >= knn.k) return knn;
  const n = knn.indices.length / Math.max(1, knn.k);
  const indices = new Int32Array(n * k),
    distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    indices.set(knn.indices.subarray(i * knn.k, i * knn.k + k), i * k);
    distances.set(knn.distances.subarray(i * knn.k, i * knn.k + k), i * k);
  }
  return { k, indices, distances };
}

/** The m smallest (value, index) pairs offered, as a max-heap (largest value, then index, on top). */
class BoundedHeap {
  readonly value: Float32Array;
  readonly index: Int32Array;
  size = 0;
  constructor(readonly capacity: number) {
    this.value = new Float32Array(capacity);
    this.index = new Int32Array(capacity);
  }
  clear(): void {
    this.size = 0;
  }
  offer(v: number, j: number): void {
    if (this.size < this.capacity) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.above(v, j, p)) break;
        this.value[c] = this.value[p]!;
        this.index[c] = this.index[p]!;
        c = p;
      }
      this.value[c] = v;
      this.index[c] = j;
      return;
    }
    // j arrives in increasing order, so a tie with the top never replaces it
    if (v >= this.value[0]!) return;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= this.size) break;
      const r = l + 1;
      const big = r < this.size && this.higher(r, l) ? r : l;
      if (!this.aboveValue(big, v, j)) break;
      this.value[c] = this.value[big]!;
      this.index[c] = this.index[big]!;
      c = big;
    }
    this.value[c] = v;
    this.index[c] = j;
  }
  /** (v, j) ranks above slot p (larger value, or equal value and larger index) */
  private above(v: number, j: number, p: number): boolean {
    return v > this.value[p]! || (v === this.value[p]! && j > this.index[p]!);
  }
  private aboveValue(slot: number, v: number, j: number): boolean {
    return this.value[slot]! > v || (this.value[slot] === v && this.index[slot]! > j);
  }
  private higher(a: number, b: number): boolean {
    return this.aboveValue(a, this.value[b]!, this.index[b]!);
  }
}
