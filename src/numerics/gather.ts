/** Scatters the columns of a CSR block into a dense row-major block through a column map. */
import type { CsrBlock } from "./csr.ts";

/**
 * `target[c]` is the output column of input column c, or -1 to drop it. Returns rows × width
 * float32, zero where no input column maps.
 */
export function gatherColumns(block: CsrBlock, target: Int32Array, width: number): Float32Array {
  const out = new Float32Array(block.rows * width);
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
