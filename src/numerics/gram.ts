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

/** `posOf[c]` = position of var column c among the P columns, or -1. */
export function addGram(acc: GramAccumulator, block: CsrBlock, posOf: Int32Array): void {
  const { P, sums, gram } = acc;
  const pos = new Int32Array(block.cols), val = new Float64Array(block.cols);
  for (let r = 0; r < block.rows; r++) {
    let m = 0;
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) {
      const p = posOf[block.indices[k]!]!;
      if (p < 0) continue;
      pos[m] = p;
      val[m++] = block.data[k]!;
    }
    for (let a = 0; a < m; a++) {
      const pa = pos[a]!, va = val[a]!;
      sums[pa]! += va;
      const row = pa * P;
      for (let b = 0; b < m; b++) {
        const pb = pos[b]!;
        if (pb >= pa) gram[row + pb]! += va * val[b]!;
      }
    }
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
