/**
 * Which cells the report looks at: a seeded sample of at most `maxCells`, proportional to the
 * strata file × batch (largest-remainder rounding, so every stratum gets its share and small
 * batches are not lost to chance), drawn within each stratum without replacement. Only per-file
 * row numbers are kept: O(cells of one file) at a time, never a whole dataset in memory.
 */
import { SeededRandom } from "../numerics/random.ts";

export interface Stratum {
  file: number;
  /** batch code, -1 when there is no batch key (or the value is missing) */
  batch: number;
  /** rows of this file in this stratum, ascending */
  rows: Int32Array;
}

/** Quotas proportional to `sizes`, summing to min(budget, Σ sizes), by largest remainder. */
export function proportionalQuotas(sizes: readonly number[], budget: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (budget >= total) return [...sizes];
  const exact = sizes.map((s) => (s * budget) / total);
  const quotas = exact.map(Math.floor);
  let left = budget - quotas.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left === 0) break;
    if (quotas[i]! < sizes[i]!) {
      quotas[i]!++;
      left--;
    }
  }
  return quotas;
}

/** The strata of one file: its rows grouped by batch code (one stratum when `batch` is absent). */
export function strataOf(file: number, rows: number, batch?: Int32Array): Stratum[] {
  if (!batch) return [{ file, batch: -1, rows: Int32Array.from({ length: rows }, (_, i) => i) }];
  const byCode = new Map<number, number[]>();
  for (let i = 0; i < rows; i++) {
    const c = batch[i]!;
    let list = byCode.get(c);
    if (!list) byCode.set(c, (list = []));
    list.push(i);
  }
  return [...byCode.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, list]) => ({ file, batch: c, rows: Int32Array.from(list) }));
}

/** The sampled rows of every file (ascending), given all strata; the same seed gives the same sample. */
export function sampleRows(strata: readonly Stratum[], files: number, maxCells: number, seed: number): Int32Array[] {
  const quotas = proportionalQuotas(
    strata.map((s) => s.rows.length),
    maxCells,
  );
  const rng = new SeededRandom(seed);
  const picked: number[][] = Array.from({ length: files }, () => []);
  strata.forEach((s, i) => {
    for (const j of rng.choose(s.rows.length, quotas[i]!)) picked[s.file]!.push(s.rows[j]!);
  });
  return picked.map((rows) => Int32Array.from(rows).sort());
}
