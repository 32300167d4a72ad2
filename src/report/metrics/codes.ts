/**
 * Category codes as the metrics use them: Int32Array over cells, -1 = missing. Codes are made dense
 * (0..count-1 over the categories present) and rows are gathered into the subsets a metric scores.
 */

export interface DenseCodes {
  /** 0..count-1, or -1 where the input code was missing (negative) */
  codes: Int32Array;
  /** categories present (with at least one cell) */
  count: number;
}

/** Renumbers the codes present to 0..count-1 in increasing order of the original code; -1 stays -1. */
export function denseCodes(codes: Int32Array): DenseCodes {
  let max = -1;
  for (const c of codes) if (c > max) max = c;
  const map = new Int32Array(max + 1).fill(-1);
  for (const c of codes) if (c >= 0) map[c] = 0;
  let count = 0;
  for (let c = 0; c <= max; c++) if (map[c] === 0) map[c] = count++;
  const out = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! >= 0 ? map[codes[i]!]! : -1;
  return { codes: out, count };
}

/** Indices of the cells where every given code array is non-negative. */
export function presentRows(n: number, ...columns: (Int32Array | undefined)[]): Int32Array {
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (columns.every((c) => c === undefined || c[i]! >= 0)) keep.push(i);
  return Int32Array.from(keep);
}

/** The rows `rows` of the row-major n×d matrix x, as a new rows.length×d matrix. */
export function gatherRows(x: Float32Array, d: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * d);
  for (let i = 0; i < rows.length; i++) out.set(x.subarray(rows[i]! * d, rows[i]! * d + d), i * d);
  return out;
}

/** codes[rows[i]] for each i. */
export function gatherCodes(codes: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => codes[r]!);
}

/** Cells per code (codes 0..count-1; negative codes are not counted). */
export function codeCounts(codes: Int32Array, count: number): Int32Array {
  const out = new Int32Array(count);
  for (const c of codes) if (c >= 0) out[c]!++;
  return out;
}
