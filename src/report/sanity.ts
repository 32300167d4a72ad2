/**
 * The sanity of one embedding, accumulated block by block over every row of every file: rows
 * with NaN/Inf, all-zero rows, rows equal to an earlier row of the same file, per-dimension
 * variance (float64 sums, non-finite rows left out) and per-file means, whose distances from the
 * median file show a chunk that differs from the others (per-chunk HVG columns would).
 */
import type { ChunkMean, Histogram, Sanity } from "./report-data.ts";

export interface FileStats {
  file: string;
  rows: number;
  nonFinite: number;
  zero: number;
  duplicates: number;
  /** finite rows summed below */
  finite: number;
  sum: Float64Array;
  sumSq: Float64Array;
  seen: Set<number>;
}

export function emptyFileStats(file: string, dim: number): FileStats {
  const z = () => new Float64Array(dim);
  return { file, rows: 0, nonFinite: 0, zero: 0, duplicates: 0, finite: 0, sum: z(), sumSq: z(), seen: new Set() };
}

/** Adds `rows` rows of width `dim` (row-major) to the file's statistics. */
export function addBlock(s: FileStats, block: Float32Array, rows: number, dim: number): void {
  const bits = new Uint32Array(block.buffer, block.byteOffset, rows * dim);
  for (let r = 0; r < rows; r++) {
    const o = r * dim;
    let finite = true;
    let zero = true;
    for (let j = 0; j < dim; j++) {
      const v = block[o + j]!;
      if (!Number.isFinite(v)) finite = false;
      else if (v !== 0) zero = false;
    }
    s.rows++;
    if (!finite) {
      s.nonFinite++;
      continue;
    }
    s.finite++;
    for (let j = 0; j < dim; j++) {
      const v = block[o + j]!;
      s.sum[j]! += v;
      s.sumSq[j]! += v * v;
    }
    if (zero) {
      s.zero++;
      continue;
    }
    const h = rowHash(bits, o, dim);
    if (s.seen.has(h)) s.duplicates++;
    else s.seen.add(h);
  }
}

/** Two 32-bit FNV-1a hashes of the row's bit patterns, folded into one 53-bit number. */
function rowHash(bits: Uint32Array, o: number, dim: number): number {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ dim;
  for (let j = 0; j < dim; j++) {
    const w = bits[o + j]!;
    a = Math.imul(a ^ w, 0x01000193);
    b = Math.imul(b ^ ((w >>> 16) | (w << 16)), 0x5bd1e995);
  }
  return (a >>> 0) * 2097152 + ((b >>> 0) & 0x1fffff);
}

/** The whole-dataset sanity from every file's statistics and the sampled rows' norms. */
export function summarizeSanity(files: FileStats[], dim: number, norms: Float64Array): Sanity {
  const rows = files.reduce((a, f) => a + f.rows, 0);
  const finite = files.reduce((a, f) => a + f.finite, 0);
  const variance = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    let s = 0;
    let q = 0;
    for (const f of files) {
      s += f.sum[j]!;
      q += f.sumSq[j]!;
    }
    variance[j] = finite > 1 ? Math.max(0, (q - (s * s) / finite) / (finite - 1)) : 0;
  }
  const totalVariance = variance.reduce((a, b) => a + b, 0);
  const sanity: Sanity = {
    rows,
    nonFiniteRows: files.reduce((a, f) => a + f.nonFinite, 0),
    zeroRows: files.reduce((a, f) => a + f.zero, 0),
    duplicateRows: files.reduce((a, f) => a + f.duplicates, 0),
    varianceSpectrum: Array.from(variance).sort((a, b) => b - a),
    rowNorms: histogram(norms, 40),
    chunkMeans: chunkMeans(files, dim, totalVariance),
    warnings: [],
  };
  sanity.warnings = warningsOf(sanity);
  return sanity;
}

function chunkMeans(files: FileStats[], dim: number, totalVariance: number): ChunkMean[] {
  const means = files.map((f) => f.sum.map((v) => (f.finite > 0 ? v / f.finite : 0)));
  const center = new Float64Array(dim);
  for (let j = 0; j < dim; j++) center[j] = median(means.map((m) => m[j]!));
  const scale = Math.sqrt(totalVariance) || 1;
  const distances = means.map((m) => Math.sqrt(m.reduce((a, v, j) => a + (v - center[j]!) ** 2, 0)) / scale);
  const mid = median(distances);
  const mad = 1.4826 * median(distances.map((d) => Math.abs(d - mid)));
  return files.map((f, i) => {
    const d = distances[i]!;
    const robustZ = mad > 0 ? (d - mid) / mad : d > mid ? Infinity : 0;
    return { file: f.file, rows: f.rows, distance: d, outlier: files.length >= 3 && robustZ > 3.5 && d > 0.5 };
  });
}

function warningsOf(s: Sanity): string[] {
  const w: string[] = [];
  const of = (n: number) => `${n} of ${s.rows} rows`;
  if (s.nonFiniteRows > 0) w.push(`${of(s.nonFiniteRows)} have NaN or Inf (zeroed for the metrics and the view)`);
  if (s.zeroRows > 0) w.push(`${of(s.zeroRows)} are all zero`);
  if (s.duplicateRows > 0) w.push(`${of(s.duplicateRows)} repeat an earlier row of the same file`);
  const top = s.varianceSpectrum[0] ?? 0;
  if (top === 0) w.push("every dimension has zero variance: the embedding is constant");
  for (const c of s.chunkMeans.filter((m) => m.outlier))
    w.push(`${c.file}: its mean lies ${c.distance.toFixed(2)} standard deviations from the other files'`);
  return w;
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
}

export function histogram(values: Float64Array, bins: number): Histogram {
  let max = 0;
  for (const v of values) if (Number.isFinite(v) && v > max) max = v;
  const width = max > 0 ? max / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor(v / width))]!++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => i * width), counts };
}
