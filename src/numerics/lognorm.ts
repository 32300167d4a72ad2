/**
 * scanpy's log1p(normalize_total(counts, target_sum=1e4)) on a CSR block, in float32 exactly as
 * scanpy computes it: total as float32, scale = total / 1e4, x = count / scale, log1p(x).
 */
import type { CsrBlock } from "./csr.ts";

const TARGET_SUM = Math.fround(10000);
/** float32's largest finite value: `v <= F32_MAX` is false for +Infinity and NaN */
const F32_MAX = 3.4028234663852886e38;

export function logNormalize(block: CsrBlock): CsrBlock {
  return logNormalizeChecked(block).block;
}

/**
 * logNormalize fused with the value check of its input: `valid` is false when a stored value is
 * negative or not finite (value-check.ts then says which). The check rides on the row-total loop,
 * which reads every value anyway, so it costs no pass of its own.
 */
export function logNormalizeChecked(block: CsrBlock): { block: CsrBlock; valid: boolean } {
  const { rows, indptr, data } = block;
  const out = new Float32Array(data.length);
  let valid = true;
  for (let r = 0; r < rows; r++) {
    const a = indptr[r]!,
      b = indptr[r + 1]!;
    let total = 0;
    for (let k = a; k < b; k++) {
      const v = data[k]!;
      if (!(v >= 0 && v <= F32_MAX)) valid = false;
      total += v;
    }
    const scale = Math.fround(Math.fround(total) / TARGET_SUM);
    for (let k = a; k < b; k++) out[k] = Math.fround(Math.log1p(Math.fround(data[k]! / scale)));
  }
  return { block: { ...block, data: out }, valid };
}

export interface ValueProfile {
  allIntegers: boolean;
  /** index of the first negative value, or -1 */
  firstNegative: number;
  /** index of the first NaN or infinite value, or -1 */
  firstNonFinite: number;
  max: number;
}

export function profileValues(data: Float32Array): ValueProfile {
  let allIntegers = true,
    firstNegative = -1,
    firstNonFinite = -1,
    max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) {
      if (firstNonFinite < 0) firstNonFinite = i;
      continue;
    }
    if (v < 0 && firstNegative < 0) firstNegative = i;
    if (allIntegers && v !== Math.round(v)) allIntegers = false;
    if (v > max) max = v;
  }
  return { allIntegers, firstNegative, firstNonFinite, max };
}

/** Median over rows of sum(expm1(x)): about 1e4 when X is log1p(normalize_total(·, 1e4)). */
export function medianExpm1RowSum(block: CsrBlock): number {
  const sums: number[] = [];
  for (let r = 0; r < block.rows; r++) {
    let s = 0;
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) s += Math.expm1(block.data[k]!);
    if (block.indptr[r + 1]! > block.indptr[r]!) sums.push(s);
  }
  if (sums.length === 0) return NaN;
  sums.sort((a, b) => a - b);
  return sums[Math.floor(sums.length / 2)]!;
}

/** The row that holds entry k of a CSR block. */
export function rowOfEntry(indptr: Int32Array, k: number): number {
  let lo = 0,
    hi = indptr.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (indptr[mid]! <= k) lo = mid;
    else hi = mid;
  }
  return lo;
}
