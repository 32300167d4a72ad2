/** Column sums and the Gram matrix AᵀA of sparse row blocks, restricted to mapped columns. */
import type { CsrBlock } from "./csr.ts";

export interface GramAccumulator {
  P: number;
  n: number;
  sums: Float64Array;
  /** upper triangle used while accumulating; symmetrized by `covariance` */
  gram: Float64Array;
}

export function emptyGram(P: number): GramAccumulator {
  return { P, n: 0, sums: new Float64Array(P), gram: new Float64Array(P * P) };
}

/**
 * Adds a block's rows. `posOf[c]` = position of var column c among the P columns, or -1; it must
 * increase with c. The block is transposed first (counting sort) so that each Gram row is updated
 * from all the block's rows at once while it sits in cache: G[p, q≥p] += Σ_{r ∋ p} x_rp · x_rq.
 */
export function addGram(acc: GramAccumulator, block: CsrBlock, posOf: Int32Array): void {
  const { P, sums, gram } = acc;
  // the block restricted to the P columns, rows in CSR with increasing positions
  const nnz = block.indptr[block.rows]!;
  const pos = new Int32Array(nnz),
    val = new Float64Array(nnz),
    rowEnd = new Int32Array(nnz);
  const colCount = new Int32Array(P + 1);
  let m = 0;
  for (let r = 0; r < block.rows; r++) {
    const start = m;
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) {
      const p = posOf[block.indices[k]!]!;
      if (p < 0) continue;
      pos[m] = p;
      val[m++] = block.data[k]!;
      colCount[p + 1]!++;
    }
    for (let k = start; k < m; k++) rowEnd[k] = m;
  }
  // entries grouped by column (each group lists entry indices, rows ascending)
  for (let p = 0; p < P; p++) colCount[p + 1]! += colCount[p]!;
  const byCol = new Int32Array(m);
  const fill = colCount.slice(0, P);
  for (let k = 0; k < m; k++) byCol[fill[pos[k]!]!++] = k;
  for (let p = 0; p < P; p++) {
    const row = p * P;
    let s = 0;
    for (let i = colCount[p]!; i < colCount[p + 1]!; i++) {
      const k = byCol[i]!;
      const v = val[k]!;
      s += v;
      const end = rowEnd[k]!;
      for (let b = k; b < end; b++) gram[row + pos[b]!]! += v * val[b]!;
    }
    sums[p]! += s;
  }
  acc.n += block.rows;
}

/** The sample covariance (ddof 1) of the accumulated rows, full symmetric P×P, and the means. */
export function covariance(acc: GramAccumulator): { cov: Float64Array; means: Float64Array; totalVariance: number } {
  const { P, n, sums, gram } = acc;
  const means = Float64Array.from(sums, (s) => s / n);
  const cov = new Float64Array(P * P);
  let totalVariance = 0;
  for (let a = 0; a < P; a++) {
    for (let b = a; b < P; b++) {
      const v = (gram[a * P + b]! - n * means[a]! * means[b]!) / (n - 1);
      cov[a * P + b] = cov[b * P + a] = v;
    }
    totalVariance += cov[a * P + a]!;
  }
  return { cov, means, totalVariance };
}
