/** Sparse × dense products: a CSR block times a small dense projection. */
import type { CsrBlock } from "./csr.ts";

/**
 * out[r, :] = bias + Σ_k block[r, c_k] · W[rowOf[c_k], :], for columns with rowOf ≥ 0.
 * W is row-major (rows × K), accumulation in float64, out float32 (rows × K).
 */
export function csrTimesDense(
  block: CsrBlock,
  rowOf: Int32Array,
  W: Float64Array,
  K: number,
  bias: Float64Array,
  out: Float32Array,
): void {
  const acc = new Float64Array(K);
  const { indptr, indices, data } = block;
  for (let r = 0; r < block.rows; r++) {
    acc.set(bias);
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const w = rowOf[indices[k]!]!;
      if (w < 0) continue;
      const v = data[k]!;
      const base = w * K;
      for (let j = 0; j < K; j++) acc[j]! += v * W[base + j]!;
    }
    const o = r * K;
    for (let j = 0; j < K; j++) out[o + j] = acc[j]!;
  }
}
