/**
 * scanpy's highly_variable_genes(flavor='seurat') from per-gene moments: mean/dispersion of
 * expm1(X), 20 equal-width mean bins (pandas.cut), dispersion normalized within its bin, top N.
 * With batches: per batch on the genes expressed there, then ranked by the number of batches
 * that flag a gene, its mean normalized dispersion, and its name.
 */
import type { GeneMoments } from "./moments.ts";

export interface SeuratResult {
  means: Float64Array;
  dispersions: Float64Array;
  dispersionsNorm: Float64Array;
  /** 1 where flagged */
  flags: Uint8Array;
}

const N_BINS = 20;

/** One batch. `keep` restricts to genes (others get 0 and are never flagged), as scanpy does per batch. */
export function seuratSingle(m: GeneMoments, nTop: number, keep?: Uint8Array): SeuratResult {
  const G = m.s1.length;
  const n = m.n;
  const means = new Float64Array(G),
    dispersions = new Float64Array(G),
    dispersionsNorm = new Float64Array(G);
  const idx: number[] = [];
  for (let g = 0; g < G; g++) {
    if (keep && !keep[g]) continue;
    idx.push(g);
    let mean = m.s1[g]! / n;
    const variance = (m.s2[g]! / n - mean * mean) * (n / (n - 1));
    if (mean === 0) mean = 1e-12;
    const disp = variance / mean;
    dispersions[g] = disp === 0 ? NaN : Math.log(disp);
    means[g] = Math.log1p(mean);
  }
  // pandas.cut(means, 20): equal-width edges over [min, max], the first lowered by 0.1% of the range
  let lo = Infinity,
    hi = -Infinity;
  for (const g of idx) {
    lo = Math.min(lo, means[g]!);
    hi = Math.max(hi, means[g]!);
  }
  const width = (hi - lo) / N_BINS;
  const edges = Array.from({ length: N_BINS + 1 }, (_, k) => (k === N_BINS ? hi : lo + k * width));
  edges[0] = lo - 0.001 * (hi - lo);
  const binOf = (v: number) => {
    let k = Math.min(N_BINS - 1, Math.max(0, Math.floor((v - lo) / width)));
    while (k > 0 && v <= edges[k]!) k--;
    while (k < N_BINS - 1 && v > edges[k + 1]!) k++;
    return k;
  };
  const bins: number[][] = Array.from({ length: N_BINS }, () => []);
  for (const g of idx) bins[width > 0 ? binOf(means[g]!) : 0]!.push(g);
  for (const members of bins) {
    const vals = members.map((g) => dispersions[g]!).filter((v) => !Number.isNaN(v));
    let avg = vals.reduce((a, b) => a + b, 0) / vals.length;
    let dev = vals.length > 1 ? Math.sqrt(vals.reduce((a, b) => a + (b - avg) ** 2, 0) / (vals.length - 1)) : NaN;
    if (Number.isNaN(dev)) {
      dev = avg;
      avg = 0;
    }
    for (const g of members) dispersionsNorm[g] = (dispersions[g]! - avg) / dev;
  }
  const flags = new Uint8Array(G);
  const ranked = idx
    .filter((g) => !Number.isNaN(dispersionsNorm[g]!))
    .map((g) => dispersionsNorm[g]!)
    .sort((a, b) => b - a);
  if (ranked.length > 0) {
    const cutoff = ranked[Math.min(nTop, ranked.length) - 1]!;
    for (const g of idx) if (dispersionsNorm[g]! >= cutoff) flags[g] = 1;
  }
  for (let g = 0; g < G; g++) {
    if (keep && !keep[g]) {
      means[g] = 0;
      dispersions[g] = 0;
      dispersionsNorm[g] = 0;
    }
  }
  return { means, dispersions, dispersionsNorm, flags };
}

export interface SeuratBatchResult extends SeuratResult {
  nbatches: Int32Array;
  /** the N genes, in scanpy's rank order */
  ranked: number[];
}

/** Batches in the order given (scanpy sorts the batch categories); genes named by `names`. */
export function seuratBatched(perBatch: GeneMoments[], nTop: number, names: readonly string[]): SeuratBatchResult {
  const G = names.length;
  const results = perBatch.map((m) =>
    seuratSingle(
      m,
      nTop,
      Uint8Array.from(m.nnz, (c) => (c > 0 ? 1 : 0)),
    ),
  );
  const mean = (pick: (r: SeuratResult) => Float64Array) => {
    const out = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      let s = 0,
        c = 0;
      for (const r of results) {
        const v = pick(r)[g]!;
        if (!Number.isNaN(v)) {
          s += v;
          c++;
        }
      }
      out[g] = c > 0 ? s / c : NaN;
    }
    return out;
  };
  const means = mean((r) => r.means),
    dispersions = mean((r) => r.dispersions),
    dispersionsNorm = mean((r) => r.dispersionsNorm);
  const nbatches = new Int32Array(G);
  for (const r of results) for (let g = 0; g < G; g++) nbatches[g]! += r.flags[g]!;
  const order = Array.from({ length: G }, (_, g) => g).sort((a, b) => {
    if (nbatches[a] !== nbatches[b]) return nbatches[b]! - nbatches[a]!;
    const da = dispersionsNorm[a]!,
      db = dispersionsNorm[b]!;
    if (Number.isNaN(da) !== Number.isNaN(db)) return Number.isNaN(da) ? 1 : -1;
    if (da !== db && !Number.isNaN(da)) return db - da;
    return names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0;
  });
  const ranked = order.slice(0, nTop);
  const flags = new Uint8Array(G);
  for (const g of ranked) flags[g] = 1;
  return { means, dispersions, dispersionsNorm, flags, nbatches, ranked };
}

/** Exactly N flagged genes: if ties flagged more, keep the N largest dispersions_norm (var order breaks ties). */
export function topN(result: SeuratResult, nTop: number): number[] {
  const flagged: number[] = [];
  result.flags.forEach((f, g) => f && flagged.push(g));
  if (flagged.length <= nTop) return flagged;
  return flagged
    .sort((a, b) => result.dispersionsNorm[b]! - result.dispersionsNorm[a]! || a - b)
    .slice(0, nTop)
    .sort((a, b) => a - b);
}

export interface SeuratCutoffs {
  minMean: number;
  maxMean: number;
  minDisp: number;
  maxDisp: number;
}

/** scanpy's default cutoffs for flavor='seurat' without n_top_genes. */
export const DEFAULT_CUTOFFS: SeuratCutoffs = { minMean: 0.0125, maxMean: 3, minDisp: 0.5, maxDisp: Infinity };

/** Flags by mean and normalized-dispersion cutoffs instead of a top N (NaN never passes). */
export function flagByCutoffs(result: SeuratResult, c: SeuratCutoffs = DEFAULT_CUTOFFS): Uint8Array {
  return Uint8Array.from(result.means, (m, g) => {
    const d = result.dispersionsNorm[g]!;
    return m > c.minMean && m < c.maxMean && d > c.minDisp && d < c.maxDisp ? 1 : 0;
  });
}
