/** Per-row cosine similarity of two row-major matrices of width `dim`: the min and mean over rows. */
export function rowCosines(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  dim: number,
): { min: number; mean: number; values: number[] } {
  const values: number[] = [];
  for (let r = 0; r * dim < a.length; r++) {
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let i = r * dim; i < (r + 1) * dim; i++) {
      ab += a[i]! * b[i]!;
      aa += a[i]! * a[i]!;
      bb += b[i]! * b[i]!;
    }
    values.push(aa === 0 && bb === 0 ? 1 : ab / Math.sqrt(aa * bb));
  }
  return { min: Math.min(...values), mean: values.reduce((s, v) => s + v, 0) / values.length, values };
}

/** ‖a − b‖ / ‖b‖ */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0,
    den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / den);
}
