/**
 * What `scembed report` measured, as one plain object: the page renders it, `report.json` is it
 * (without the per-cell arrays). Metric values follow scIB's definitions and scaling (0 = worst,
 * 1 = best); a metric is absent when the key it needs (batch or label) is absent.
 */

/** One categorical obs column over the sampled cells: `codes[i]` indexes `categories` (-1 = missing). */
export interface SampledColumn {
  name: string;
  categories: string[];
  codes: Int32Array;
}

export interface SampleInfo {
  /** cells sampled (rows of every per-cell array below) */
  cells: number;
  /** cells in all inputs together */
  totalCells: number;
  maxCells: number;
  seed: number;
  /** "file × batch" or "file": the strata the sample is proportional to */
  strata: string;
  batchKey?: string;
  labelKey?: string;
}

export interface InputInfo {
  path: string;
  cells: number;
  sampled: number;
}

export interface Histogram {
  /** bin edges, length counts.length + 1 */
  edges: number[];
  counts: number[];
}

export interface ChunkMean {
  /** the chunk file (its base name) */
  file: string;
  rows: number;
  /** distance of this file's mean from the median of the files' means, in pooled standard deviations */
  distance: number;
  /** true when the distance stands out from the other files' (robust z > 3.5 and distance > 0.5) */
  outlier: boolean;
}

export interface Sanity {
  /** every row of every input, not only the sample */
  rows: number;
  nonFiniteRows: number;
  zeroRows: number;
  /** rows equal to an earlier row of the same file */
  duplicateRows: number;
  /** per-dimension variance over all rows, sorted from largest to smallest */
  varianceSpectrum: number[];
  /** Euclidean norms of the sampled rows */
  rowNorms: Histogram;
  chunkMeans: ChunkMean[];
  /** plain-language findings ("12 rows are all zero"); empty when nothing stands out */
  warnings: string[];
}

export interface Metrics {
  labelAsw?: number;
  batchAsw?: number;
  ilisi?: number;
  clisi?: number;
  graphConnectivity?: number;
  nmi?: number;
  ari?: number;
  /** leave-one-out kNN (k = 15) majority-vote accuracy on the label; shown, not part of the scores */
  knnAccuracy?: number;
  /** mean of the bio-conservation metrics present (label ASW, NMI, ARI, cLISI) */
  bio?: number;
  /** mean of the batch-correction metrics present (batch ASW, iLISI, graph connectivity) */
  batch?: number;
  /** 0.6 × bio + 0.4 × batch, when both are present */
  overall?: number;
}

export interface MethodReport {
  /** the obsm key, e.g. "X_pca" */
  key: string;
  dim: number;
  /** dimensions the kNN graph, metrics and UMAP used (50 after PCA when dim > 50, else dim) */
  usedDim: number;
  reducedByPca: boolean;
  sanity: Sanity;
  metrics: Metrics;
  /** 2-D layout of the sampled cells, x0 y0 x1 y1 … (length 2 × sample.cells) */
  umap: Float32Array;
  /** seconds spent on this method (sample read, kNN, metrics, UMAP) */
  seconds: number;
}

export interface ReportData {
  title: string;
  /** ISO time the report was made */
  created: string;
  version: string;
  inputs: InputInfo[];
  sample: SampleInfo;
  /** obs names of the sampled cells */
  cellNames: string[];
  /** index into `inputs` of each sampled cell's file */
  cellFile: Int32Array;
  /** the batch and label columns (when given), for colouring and hover */
  columns: SampledColumn[];
  methods: MethodReport[];
  /** obsm arrays that were found but left out, and why ("X_scvi_fm: incomplete in a.zarr") */
  skipped: string[];
  /** notes the page shows under the title (PCA reduction, sample size, kNN cost) */
  notes: string[];
}
