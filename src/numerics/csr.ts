/** A block of consecutive rows in compressed sparse row form; indptr starts at 0. */
export interface CsrBlock {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float32Array;
}

/** Any numeric typed array (bigint ones too) as float32. */
export function toFloat32(values: ArrayLike<number | bigint>): Float32Array {
  if (values instanceof Float32Array) return values;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

export function toInt32(values: ArrayLike<number | bigint>): Int32Array {
  if (values instanceof Int32Array) return values;
  const out = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** Drops explicit zeros of a dense row-major block. */
export function denseToCsr(dense: ArrayLike<number | bigint>, rows: number, cols: number): CsrBlock {
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (Number(dense[i]) !== 0) nnz++;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  let k = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = Number(dense[r * cols + c]);
      if (v !== 0) {
        indices[k] = c;
        data[k++] = v;
      }
    }
    indptr[r + 1] = k;
  }
  return { rows, cols, indptr, indices, data };
}
