/**
 * A synthetic, seeded ReportData for the report page tests: cells in 4 input files, 2 batches,
 * `labels` labels (two Gaussian blobs per batch for the first two methods), one cell (PROBE_CELL)
 * placed apart from the rest in every layout and named with `</script>` in it; method 1 has
 * non-finite rows, a warning and an outlier chunk; the last method has no overall score.
 */
import type { MethodReport, Metrics, ReportData } from "../../src/report/report-data.ts";

export const PROBE_CELL = 7;
export const PROBE_NAME = "probe</script><b>cell&";

export interface SyntheticReportOptions {
  cells: number;
  methods: number;
  labels?: number;
  seed?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticReport(opts: SyntheticReportOptions): ReportData {
  const rand = mulberry32(opts.seed ?? 1);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const n = opts.cells,
    nLabels = opts.labels ?? 4;
  const files = ["train/chunk_0.zarr", "train/chunk_1.zarr", "test/chunk_0.zarr", "test/chunk_1.zarr"];
  const cellFile = new Int32Array(n),
    batch = new Int32Array(n),
    label = new Int32Array(n);
  const cellNames: string[] = [];
  for (let i = 0; i < n; i++) {
    cellFile[i] = Math.floor((i * files.length) / n);
    batch[i] = cellFile[i]! % 2;
    label[i] = i % 97 === 3 ? -1 : Math.floor(rand() * nLabels);
    cellNames.push(i === PROBE_CELL ? PROBE_NAME : `cell-${i}-${"ACGT"[i % 4]}`);
  }
  const methods: MethodReport[] = [];
  for (let m = 0; m < opts.methods; m++) {
    const umap = new Float32Array(2 * n);
    const batchShift = m % 3 === 0 ? 0 : 5; // method 0 mixes the batches, the others keep them apart
    for (let i = 0; i < n; i++) {
      const blob = label[i]! % 2;
      const cx = batch[i]! * batchShift + blob * 6 - 3 + ((Math.max(label[i]!, 0) >> 1) % 4) * 0.8,
        cy = blob * 4 - 2 + m * 0.3;
      umap[2 * i] = cx + gauss();
      umap[2 * i + 1] = cy + gauss();
    }
    umap[2 * PROBE_CELL] = 2;
    umap[2 * PROBE_CELL + 1] = 16;
    methods.push(method(m, opts.methods, umap, files));
  }
  const sampled = files.map((_, f) => cellFile.filter((x) => x === f).length);
  return {
    title: "scembed report: synthetic",
    created: "2025-01-02T03:04:05.000Z",
    version: "0.1.0",
    inputs: files.map((path, f) => ({ path: `/data/${path}`, cells: sampled[f]! * 5, sampled: sampled[f]! })),
    sample: {
      cells: n,
      totalCells: n * 5,
      maxCells: n,
      seed: 0,
      strata: "file × batch",
      batchKey: "batch",
      labelKey: "cell_type",
    },
    cellNames,
    cellFile,
    columns: [
      { name: "batch", categories: ["b0", "b1"], codes: batch },
      { name: "cell_type", categories: Array.from({ length: nLabels }, (_, k) => `type ${k}`), codes: label },
    ],
    methods,
    skipped: ["X_broken: incomplete in /data/test/chunk_1.zarr"],
    notes: ["X_gs10k: 10000 dimensions reduced by PCA to 50", `${n} of ${n * 5} cells sampled`],
  };
}

function method(m: number, count: number, umap: Float32Array, files: string[]): MethodReport {
  const dim = m === 2 ? 10000 : 32 + m;
  const last = m === count - 1 && count > 1;
  const metrics: Metrics = last
    ? { labelAsw: 0.41, nmi: 0.52 + m / 100 }
    : {
        labelAsw: 0.5 + m / 100,
        batchAsw: 0.8 - m / 50,
        ilisi: 0.3 + m / 40,
        clisi: 0.9,
        graphConnectivity: 0.95,
        nmi: 0.6,
        ari: 0.55 + m / 30,
        knnAccuracy: 0.88,
        bio: 0.6 + m / 100,
        batch: 0.7 - m / 60,
        overall: 0.62 + ((m * 7) % 5) / 100,
      };
  const bad = m === 1;
  return {
    key:
      ["X_pca", "X_scvi", "X_gs10k", "X_geneformer", "X_harmony", "X_uce", "X_scgpt", "X_extra"][m % 8]! +
      (m >= 8 ? m : ""),
    dim,
    usedDim: Math.min(dim, 50),
    reducedByPca: dim > 50,
    metrics,
    umap,
    seconds: 1.5 + m,
    sanity: {
      rows: umap.length * 2.5,
      nonFiniteRows: bad ? 12 : 0,
      zeroRows: 0,
      duplicateRows: bad ? 3 : 0,
      varianceSpectrum: Array.from({ length: dim }, (_, d) => 10 / (d + 1)),
      rowNorms: {
        edges: Array.from({ length: 31 }, (_, b) => b * 0.5),
        counts: Array.from({ length: 30 }, (_, b) => 100 - (b - 12) ** 2),
      },
      chunkMeans: files.map((file, f) => ({
        file: file.replace("/", "_"),
        rows: 1000,
        distance: bad && f === 3 ? 4.2 : 0.1 + f / 20,
        outlier: bad && f === 3,
      })),
      warnings: bad
        ? ["12 rows are not finite", "3 rows repeat an earlier row", "test_chunk_1.zarr stands out (4.2 SD)"]
        : [],
    },
  };
}
