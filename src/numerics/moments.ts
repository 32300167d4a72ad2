/** Per-gene moments of expm1(X_log), accumulated block by block (the input of seurat HVG). */
import type { CsrBlock } from "./csr.ts";

export interface GeneMoments {
  /** cells seen */
  n: number;
  /** Σ e, Σ e² (e² formed in float32, as scanpy's kernel does), cells with e > 0 */
  s1: Float64Array;
  s2: Float64Array;
  nnz: Float64Array;
}

export function emptyMoments(genes: number): GeneMoments {
  return { n: 0, s1: new Float64Array(genes), s2: new Float64Array(genes), nnz: new Float64Array(genes) };
}

/** Adds rows `rows` (all rows when omitted) of a log-normalized block; `geneOf[c]` maps var columns to genes. */
export function addMoments(m: GeneMoments, block: CsrBlock, geneOf: Int32Array, rows?: ArrayLike<number>): void {
  const { indptr, indices, data } = block;
  const each = (r: number) => {
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const g = geneOf[indices[k]!]!;
      if (g < 0) continue;
      const e = Math.fround(Math.expm1(data[k]!));
      m.s1[g]! += e;
      m.s2[g]! += Math.fround(e * e);
      if (e !== 0) m.nnz[g]!++;
    }
  };
  if (rows) {
    for (let i = 0; i < rows.length; i++) each(rows[i]!);
    m.n += rows.length;
  } else {
    for (let r = 0; r < block.rows; r++) each(r);
    m.n += block.rows;
  }
}
