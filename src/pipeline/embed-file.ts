/**
 * The per-file loop: check existing → methods to run → create output → prepare → one streamed
 * pass over row blocks feeding every method → commit each embedding. A failing method is
 * reported and aborted; the others still land.
 */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus, type EmbeddingStatus } from "../anndata/completeness.ts";
import { refreshConsolidated } from "../anndata/consolidated.ts";
import { ObsmWriter, obsmChunkRows } from "../anndata/obsm-writer.ts";
import { ensureOutputStore, storeLockPath } from "../anndata/output-store.ts";
import { InputError } from "../errors.ts";
import { getMethod } from "../methods/registry.ts";
import type { DatasetContext, Embedder, EmbeddingMethod } from "../methods/method.ts";
import type { CodecConfig as CompressorConfig } from "../store/codecs/registry.ts";
import { withLock } from "../store/lock.ts";
import { chooseExpressionSource, type XIs } from "./expression-source.ts";
import { writeBoolObsColumn } from "../anndata/obs-column.ts";
import type { CsrBlock } from "../numerics/csr.ts";

const emptyBlock = (rows: number, cols: number): CsrBlock => ({ rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(0), data: new Float32Array(0) });
import type { Logger } from "./logger.ts";
import { createProgress } from "./progress.ts";
import { stat } from "node:fs/promises";

export interface FileJob {
  input: string;
  output: string;
  methods: string[];
  chunkRows: number;
  overwrite: boolean;
  xIs: XIs;
  dimMap: Record<string, number>;
  initKwargs(method: string): Record<string, unknown>;
  batchSize?: number;
  compressor?: CompressorConfig;
  /** the zarr format an .h5ad input is written out as (default 3) */
  outputZarrFormat?: 2 | 3;
  dataset: DatasetContext;
  log: Logger;
  progress?: boolean;
}

export type MethodStatus = "written" | "prepared" | "skipped" | "failed";

export interface MethodResult {
  method: string;
  key: string;
  status: MethodStatus;
  detail: string;
  seconds?: number;
  error?: Error;
}

export interface FileReport {
  input: string;
  output: string;
  nObs: number;
  results: MethodResult[];
}

interface Active {
  method: EmbeddingMethod;
  embedder: Embedder;
  writer: ObsmWriter;
  started: number;
}

export const obsmKey = (method: string) => `X_${method}`;

export async function embedFile(job: FileJob): Promise<FileReport> {
  const { log } = job;
  const reader = await AnnDataReader.open(job.input);
  const results: MethodResult[] = [];
  const fail = (method: string, err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    log.error(`${obsmKey(method)} failed: ${error.message}`);
    results.push({ method, key: obsmKey(method), status: "failed", detail: error.message, error });
  };
  try {
    if (reader.nObs === 0) {
      throw new InputError("the file has 0 cells; there is nothing to embed", { file: job.input, key: "obs", fix: "drop empty chunk files from input_files" });
    }
    const outputExists = (await stat(job.output).catch(() => undefined)) !== undefined;
    const toRun: EmbeddingMethod[] = [];
    for (const name of job.methods) {
      const method = getMethod(name);
      const dim = method.expectedDim(job.dimMap[name]);
      const status = await embeddingStatus(outputExists ? job.output : job.input, obsmKey(name), reader.nObs, dim);
      const decision = decide(status, job.overwrite, dim);
      if (decision.run) {
        if (decision.note) log.info(`${obsmKey(name)}: ${decision.note}`);
        toRun.push(method);
      } else if (decision.error) {
        fail(name, new InputError(decision.error, { file: outputExists ? job.output : job.input, key: `obsm/${obsmKey(name)}`, fix: "rerun with overwrite (--overwrite or ++<section>.overwrite=true) to replace it" }));
      } else {
        if (status.state === "complete" && status.consolidatedStale) await repairConsolidated(job.output, obsmKey(name), log);
        log.info(`${obsmKey(name)}: already complete ${JSON.stringify(status.state === "complete" ? status.shape : [])}, skipped`);
        results.push({ method: name, key: obsmKey(name), status: "skipped", detail: "already complete" });
      }
    }
    if (toRun.length === 0 && outputExists) return { input: job.input, output: job.output, nObs: reader.nObs, results };

    const created = await ensureOutputStore(job.input, job.output, { zarrFormat: job.outputZarrFormat });
    if (created === "created") log.info(`created ${job.output} from ${job.input}`);
    if (toRun.length === 0) return { input: job.input, output: job.output, nObs: reader.nObs, results };

    const prepared: { method: EmbeddingMethod; embedder: Embedder }[] = [];
    for (const method of toRun) {
      try {
        const embedder = await method.prepare({ reader, initKwargs: job.initKwargs(method.name), configuredDim: job.dimMap[method.name], batchSize: job.batchSize, log, dataset: job.dataset });
        prepared.push({ method, embedder });
      } catch (err) {
        fail(method.name, err);
      }
    }
    // one block size for all methods; each method's chunks are whole multiples of it
    const blockRows = Math.min(...prepared.map((p) => obsmChunkRows(job.chunkRows, p.embedder.dim, reader.nObs)));
    const active: Active[] = [];
    for (const { method, embedder } of prepared) {
      try {
        const chunkRows = blockRows * Math.max(1, Math.floor(obsmChunkRows(job.chunkRows, embedder.dim, reader.nObs) / blockRows));
        const writer = await ObsmWriter.begin({ store: job.output, key: obsmKey(method.name), nObs: reader.nObs, dim: embedder.dim, chunkRows, compressor: job.compressor });
        active.push({ method, embedder, writer, started: Date.now() });
      } catch (err) {
        fail(method.name, err);
      }
    }
    // expression is read only when a method needs it (Geneformer reads its prepared tokens)
    let read = async (r0: number, r1: number): Promise<CsrBlock> => emptyBlock(r1 - r0, reader.nVars);
    if (active.some((a) => a.embedder.input === "lognorm")) {
      const source = await chooseExpressionSource(reader, job.xIs);
      log.info(`expression: ${source.reason}`);
      read = source.readLognorm;
    }
    await streamBlocks(job, reader.nObs, blockRows, read, active, fail);
    for (const a of active) {
      try {
        await a.writer.commit();
        for (const col of a.embedder.obsColumns?.() ?? []) {
          await writeBoolObsColumn(job.output, col.name, col.values);
          log.info(`obs['${col.name}']: ${col.values.reduce((n, v) => n + v, 0)} of ${col.values.length} cells true`);
        }
        const seconds = (Date.now() - a.started) / 1000;
        log.info(`${obsmKey(a.method.name)}: wrote (${reader.nObs}, ${a.embedder.dim}) in ${seconds.toFixed(1)} s`);
        results.push({ method: a.method.name, key: obsmKey(a.method.name), status: "written", detail: `(${reader.nObs}, ${a.embedder.dim})`, seconds });
      } catch (err) {
        await a.writer.abort();
        fail(a.method.name, err);
      }
    }
    return { input: job.input, output: job.output, nObs: reader.nObs, results };
  } finally {
    reader.close();
  }
}

async function streamBlocks(
  job: FileJob,
  nObs: number,
  blockRows: number,
  read: (r0: number, r1: number) => Promise<CsrBlock>,
  active: Active[],
  fail: (method: string, err: unknown) => void,
): Promise<void> {
  if (active.length === 0) return;
  const progress = job.progress ? createProgress(job.input, nObs) : undefined;
  for (let r0 = 0; r0 < nObs && active.length > 0; r0 += blockRows) {
    const r1 = Math.min(nObs, r0 + blockRows);
    let block;
    try {
      block = await read(r0, r1);
    } catch (err) {
      for (const a of active.splice(0)) {
        await a.writer.abort();
        fail(a.method.name, err);
      }
      break;
    }
    for (const a of [...active]) {
      try {
        await a.embedder.embed(block, a.writer.nextRows(r1 - r0), r0);
        await a.writer.advance(r1 - r0);
      } catch (err) {
        active.splice(active.indexOf(a), 1);
        await a.writer.abort();
        fail(a.method.name, err);
      }
    }
    progress?.update(r1);
  }
  progress?.finish();
}

function decide(status: EmbeddingStatus, overwrite: boolean, dim?: number): { run: boolean; note?: string; error?: string } {
  switch (status.state) {
    case "missing":
      return { run: true };
    case "incomplete":
      return { run: true, note: `found an incomplete array (${status.missingChunks} chunks missing); recomputing` };
    case "complete":
      return overwrite ? { run: true, note: "overwrite: recomputing" } : { run: false };
    case "wrong-shape":
      return overwrite
        ? { run: true, note: `overwrite: replacing shape [${status.shape}]` }
        : { run: false, error: `exists with shape [${status.shape}], expected ${dim === undefined ? "n_obs rows" : `(n_obs, ${dim})`}` };
  }
}

async function repairConsolidated(store: string, key: string, log: Logger): Promise<void> {
  await withLock(storeLockPath(store), store, () => refreshConsolidated(store, [`obsm/${key}`]));
  log.info(`${key}: .zmetadata did not list it; refreshed`);
}

export function failedResults(report: FileReport): MethodResult[] {
  return report.results.filter((r) => r.status === "failed");
}
