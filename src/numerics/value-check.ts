/**
 * The per-block value check of the expression streams: one branch-light pass over a CSR block's
 * stored values, run on every block as it is read (its cost is measured in bench/block-check.ts).
 */

/** float32's largest finite value: `v <= F32_MAX` is false for +Infinity and for NaN */
const F32_MAX = 3.4028234663852886e38;

/** What a stream's values must be. */
export type ValueRule = "non-negative" | "counts";

/**
 * Index of the first stored value that breaks the rule, or -1: every value must be finite and
 * ≥ 0, and for "counts" also a whole number. One comparison chain per value, no allocation.
 */
export function firstInvalid(data: Float32Array, rule: ValueRule): number {
  const n = data.length;
  if (rule === "counts") {
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (!(v >= 0 && v <= F32_MAX && Math.floor(v) === v)) return i;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = data[i]!;
      if (!(v >= 0 && v <= F32_MAX)) return i;
    }
  }
  return -1;
}

/** Why a value breaks a rule, in words: "a NaN", "an infinite value", "a negative value", "a non-integer value". */
export function describeInvalid(v: number): string {
  if (Number.isNaN(v)) return "a NaN";
  if (!Number.isFinite(v)) return "an infinite value";
  if (v < 0) return "a negative value";
  return "a non-integer value";
}
