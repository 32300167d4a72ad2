/**
 * Metrics on the kNN graph (its first 15 neighbours): scIB's graph connectivity (per label, the
 * fraction of its cells in the largest connected component of the subgraph of the symmetrized
 * graph induced by that label, as scIB's `graph_connectivity`; scib-metrics takes strong components
 * of the directed graph instead), mean over labels; and the leave-one-out kNN label-transfer
 * accuracy. Cells with a missing label (-1) belong to no label's subgraph and do not vote.
 */
import { denseCodes } from "./codes.ts";
import type { Knn } from "./knn.ts";

export const GRAPH_NEIGHBOURS = 15;

/** Mean over labels of (largest component of the label's induced subgraph) / (cells with the label). */
export function graphConnectivity(knn: Knn, label: Int32Array, k = GRAPH_NEIGHBOURS): number | undefined {
  const { codes, count } = denseCodes(label);
  if (count === 0) return undefined;
  const n = codes.length,
    kk = Math.min(k, knn.k);
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (let i = 0; i < n; i++) {
    if (codes[i]! < 0) continue;
    for (let t = 0; t < kk; t++) {
      const j = knn.indices[i * knn.k + t]!;
      if (codes[j] !== codes[i]) continue;
      const ri = find(i),
        rj = find(j);
      if (ri !== rj) parent[Math.max(ri, rj)] = Math.min(ri, rj);
    }
  }
  const size = new Int32Array(n),
    cells = new Int32Array(count),
    largest = new Int32Array(count);
  for (let i = 0; i < n; i++) {
    if (codes[i]! < 0) continue;
    cells[codes[i]!]!++;
    const r = find(i);
    size[r]!++;
  }
  for (let i = 0; i < n; i++)
    if (codes[i]! >= 0 && find(i) === i && size[i]! > largest[codes[i]!]!) largest[codes[i]!] = size[i]!;
  let sum = 0;
  for (let c = 0; c < count; c++) sum += largest[c]! / cells[c]!;
  return sum / count;
}

/**
 * Leave-one-out kNN accuracy: each labelled cell's label predicted by a majority vote of its k
 * nearest labelled neighbours (ties to the label whose nearest voter comes first); a cell with no
 * labelled neighbour counts as wrong. Undefined when no cell has a label.
 */
export function knnAccuracy(knn: Knn, label: Int32Array, k = GRAPH_NEIGHBOURS): number | undefined {
  const { codes, count } = denseCodes(label);
  const n = codes.length,
    kk = Math.min(k, knn.k);
  const votes = new Int32Array(count),
    firstSeen = new Int32Array(count);
  let scored = 0,
    correct = 0;
  for (let i = 0; i < n; i++) {
    if (codes[i]! < 0) continue;
    scored++;
    votes.fill(0);
    firstSeen.fill(kk);
    let best = -1;
    for (let t = 0; t < kk; t++) {
      const c = codes[knn.indices[i * knn.k + t]!]!;
      if (c < 0) continue;
      votes[c]!++;
      if (firstSeen[c] === kk) firstSeen[c] = t;
      if (best < 0 || votes[c]! > votes[best]! || (votes[c] === votes[best] && firstSeen[c]! < firstSeen[best]!))
        best = c;
    }
    if (best === codes[i]) correct++;
  }
  return scored ? correct / scored : undefined;
}
