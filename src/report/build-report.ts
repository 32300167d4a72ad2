/**
 * `scembed report` as a library call: inventory → sample plan (file × batch strata) → for each
 * embedding one streaming pass (sanity + sampled rows) → PCA to 50 when wider → exact kNN →
 * scIB-style metrics → UMAP. Returns the `ReportData` the page and report.json are made of.
 * Memory: the sample (in memory up to 256 MiB, else on disk beside the report) plus O(n × 90)
 * neighbours; every file is read block by block.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { createLogger, type Logger } from "../logger.ts";
import { collectEmbedding } from "./collect.ts";
import { sampledNames, takeInventory } from "./inventory.ts";
import { computeMetrics } from "./metrics/scores.ts";
import { readCodes, sampledCodes, type FileCodes } from "./obs-codes.ts";
import { pcaReduce, REDUCED_DIM } from "./pca-reduce.ts";
import type { MethodReport, ReportData, SampledColumn } from "./report-data.ts";
import { sampleRows, strataOf } from "./sample-plan.ts";
import { summarizeSanity } from "./sanity.ts";
import { fuzzyGraph, layout, principalInit } from "./umap.ts";

export interface ReportOptions {
  inputs: string[];
  batchKey?: string;
  labelKey?: string;
  /** default 50,000 */
  maxCells?: number;
  /** default 0 */
  seed?: number;
  /** obsm keys to include (default: every whole numeric 2-D obsm array) */
  keys?: string[];
  /** where a wide sample may spill to disk (a temporary folder is made and removed in it) */
  workDir: string;
  title?: string;
  version?: string;
  log?: Logger;
}

export { REDUCED_DIM };

export async function buildReport(opts: ReportOptions): Promise<ReportData> {
  const log = opts.log ?? createLogger({ quiet: true });
  const maxCells = opts.maxCells ?? 50_000;
  const seed = opts.seed ?? 0;
  const paths = opts.inputs;
  const inv = await takeInventory(paths, opts.keys);
  const batch = opts.batchKey ? await readCodes(paths, opts.batchKey) : undefined;
  const label = opts.labelKey ? await readCodes(paths, opts.labelKey) : undefined;
  const strata = paths.flatMap((_, f) => strataOf(f, inv.cells[f]!, batch?.codes[f]));
  const sampled = sampleRows(strata, paths.length, maxCells, seed);
  const n = sampled.reduce((a, s) => a + s.length, 0);
  const totalCells = inv.cells.reduce((a, b) => a + b, 0);
  const columns = [batch, label].filter((c): c is FileCodes => c !== undefined).map((c) => sampledColumn(c, sampled));
  const batchCodes = batch ? columns[0]!.codes : undefined;
  const labelCodes = label ? columns[columns.length - 1]!.codes : undefined;
  log.info(
    `report: ${n} of ${totalCells} cells sampled from ${paths.length} file(s); ${inv.embeddings.size} embedding(s)`,
  );
  const notes = [
    `${n.toLocaleString("en")} of ${totalCells.toLocaleString("en")} cells, a seeded sample (seed ${seed}) proportional to ${batch ? "file × batch" : "file"}.`,
    `kNN exact (brute force, Euclidean), k = ${Math.min(90, Math.max(0, n - 1))}; metrics as scIB / scib-metrics define them.`,
  ];
  const workDir = await mkdtemp(`${opts.workDir.replace(/\/$/, "")}/.scembed-report-`);
  const methods: MethodReport[] = [];
  try {
    for (const [key, dim] of inv.embeddings) {
      const t0 = performance.now();
      const m = await methodReport(paths, key, dim, sampled, workDir, batchCodes, labelCodes, seed, log);
      m.seconds = (performance.now() - t0) / 1000;
      if (m.reducedByPca)
        notes.push(
          `${key}: ${dim} dimensions reduced by PCA to ${m.usedDim} before the kNN graph, the metrics and the UMAP.`,
        );
      methods.push(m);
      log.info(`report: ${key} done in ${m.seconds.toFixed(1)} s`);
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  return {
    title: opts.title ?? "scembed embedding report",
    created: new Date().toISOString(),
    version: opts.version ?? "",
    inputs: paths.map((path, f) => ({ path, cells: inv.cells[f]!, sampled: sampled[f]!.length })),
    sample: {
      cells: n,
      totalCells,
      maxCells,
      seed,
      strata: batch ? "file × batch" : "file",
      ...(opts.batchKey ? { batchKey: opts.batchKey } : {}),
      ...(opts.labelKey ? { labelKey: opts.labelKey } : {}),
    },
    cellNames: await sampledNames(paths, sampled),
    cellFile: Int32Array.from(sampled.flatMap((rows, f) => Array.from(rows, () => f))),
    columns,
    methods,
    skipped: inv.skipped,
    notes,
  };
}

async function methodReport(
  paths: string[],
  key: string,
  dim: number,
  sampled: Int32Array[],
  workDir: string,
  batch: Int32Array | undefined,
  label: Int32Array | undefined,
  seed: number,
  log: Logger,
): Promise<MethodReport> {
  const started = performance.now();
  const { sample, stats, norms } = await collectEmbedding(paths, key, dim, sampled, workDir);
  const read = performance.now();
  try {
    const n = sample.rows;
    const sanity = summarizeSanity(stats, dim, norms);
    const reduce = dim > REDUCED_DIM;
    const used = reduce ? (await pcaReduce(sample, REDUCED_DIM, seed)).scores : sample.data!;
    const reduced = performance.now();
    const usedDim = reduce ? Math.min(REDUCED_DIM, n, dim) : dim;
    if (n < 4)
      return {
        key,
        dim,
        usedDim,
        reducedByPca: reduce,
        sanity,
        metrics: {},
        umap: new Float32Array(2 * n),
        seconds: 0,
      };
    const t0 = performance.now();
    const { metrics, knn } = computeMetrics(used, n, usedDim, batch, label, seed);
    const t1 = performance.now();
    const graph = fuzzyGraph(knn, n, Math.min(14, knn.k));
    const umap = layout(graph, n, principalInit(used, n, usedDim, seed), seed);
    const s = (a: number, b: number) => `${((b - a) / 1000).toFixed(1)} s`;
    const pca = reduce ? `, PCA ${s(read, reduced)}${sample.onDisk ? " (sample on disk)" : ""}` : "";
    log.info(
      `report: ${key}: read + sanity ${s(started, read)}${pca}, kNN + metrics ${s(t0, t1)}, UMAP ${s(t1, performance.now())}`,
    );
    return { key, dim, usedDim, reducedByPca: reduce, sanity, metrics, umap, seconds: 0 };
  } finally {
    await sample.close();
  }
}

function sampledColumn(c: FileCodes, sampled: readonly Int32Array[]): SampledColumn {
  return { name: c.name, categories: c.categories, codes: sampledCodes(c, sampled) };
}
