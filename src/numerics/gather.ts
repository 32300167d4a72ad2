/** Scatters the columns of a CSR block into a dense row-major block through a column map. */
import type { CsrBlock } from "./csr.ts";

/**
 * `target[c]` is the output column of input column c, or -1 to drop it. Fills `out`
 * (rows × width, row-major, zeroed beforehand); columns no input maps to stay zero.
 */
export function gatherColumns(block: CsrBlock, target: Int32Array, width: number, out: Float32Array): Float32Array {
  const { indptr, indices, data } = block;
  for (let r = 0; r < block.rows; r++) {
    const base = r * width;
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const p = target[indices[k]!]!;
      if (p >= 0) out[base + p] = data[k]!;
    }
  }
  return out;
}
