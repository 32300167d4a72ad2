/**
 * The per-file loop: check existing → methods to run → create output while preparing and
 * embedding → one streamed pass over row blocks, each method fed the input it declares (each
 * input read once per block) → commit each embedding once the store exists. A failing method is reported and aborted; the others still land.
 * The file's last log line gives its phases' times (src/phase-times.ts).
 */
import { stat } from "node:fs/promises";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus, type EmbeddingStatus } from "../anndata/completeness.ts";
import { refreshConsolidated } from "../anndata/consolidated.ts";
import { writeBoolObsColumn } from "../anndata/obs-column.ts";
import { DeferredObsmWriter, HELD_BYTES } from "../anndata/deferred-obsm-writer.ts";
import { ObsmWriter, obsmChunkRows } from "../anndata/obsm-writer.ts";
import { storeLockPath } from "../anndata/output-store.ts";
import { asWriteError, InputError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { getMethod } from "../methods/registry.ts";
import type { InputBlocks } from "../methods/method.ts";
import { withLock } from "../store/lock.ts";
import { rowRanges } from "../store/row-ranges.ts";
import { PhaseTimes } from "../phase-times.ts";
import { createWhilePreparing } from "./create-while-preparing.ts";
import { inputIdentity, reconcileOutput } from "./input-identity.ts";
import type { FileRun, Prepared } from "./method-run.ts";
import type { Task } from "./plan.ts";
import { createProgress } from "./progress.ts";
import { failedResult, obsmKey, type FileReport, type MethodResult } from "./report.ts";

interface Active extends Prepared {
  writer: DeferredObsmWriter;
  started: number;
}

export async function embedFile(task: Pick<Task, "input" | "output" | "settings">, run: FileRun): Promise<FileReport> {
  const { log } = run;
  const { settings } = task;
  const reader = await AnnDataReader.open(task.input);
  const results: MethodResult[] = [];
  // an error shared by several methods (the file's input stream, its gene ids) is logged once
  const firstWith = new Map<string, string>();
  const fail = (method: string, err: unknown) => {
    const result = failedResult(method, asWriteError(err, task.output, obsmKey(method)));
    const first = firstWith.get(result.detail);
    if (first) {
      log.error(`${result.key} failed: the same error as ${first}`);
      results.push({ ...result, detail: `the same error as ${first}` });
      return;
    }
    firstWith.set(result.detail, result.key);
    log.error(`${result.key} failed: ${result.detail}`);
    results.push(result);
  };
  const report = () => ({ input: task.input, output: task.output, nObs: reader.nObs, results });
  const phases = new PhaseTimes();
  try {
    if (reader.nObs === 0) {
      throw new InputError("the file has 0 cells; there is nothing to embed", {
        file: task.input,
        key: "obs",
        fix: "drop empty chunk files from input_files",
      });
    }
    // an output made from another input is never skipped as complete nor added to
    const identity = await inputIdentity(reader);
    let outputExists = (await stat(task.output).catch(() => undefined)) !== undefined;
    if (outputExists) outputExists = await reconcileOutput(task.output, identity, settings.overwrite, log);
    const toRun: string[] = [];
    for (const name of settings.methods) {
      const dim = getMethod(name).expectedDim(settings.dimMap[name]);
      const status = await embeddingStatus(outputExists ? task.output : task.input, obsmKey(name), reader.nObs, dim);
      const decision = decide(status, settings.overwrite, dim);
      if (decision.run) {
        if (decision.note) log.info(`${obsmKey(name)}: ${decision.note}`);
        toRun.push(name);
      } else if (decision.error) {
        fail(
          name,
          new InputError(decision.error, {
            file: outputExists ? task.output : task.input,
            key: `obsm/${obsmKey(name)}`,
            fix: "rerun with overwrite (--overwrite or ++<section>.overwrite=true) to replace it",
          }),
        );
      } else {
        if (status.state === "complete" && status.consolidatedStale)
          await repairConsolidated(task.output, obsmKey(name), log);
        log.info(
          `${obsmKey(name)}: already complete ${JSON.stringify(status.state === "complete" ? status.shape : [])}, skipped`,
        );
        results.push({ method: name, key: obsmKey(name), status: "skipped", detail: "already complete" });
      }
    }
    if (toRun.length === 0 && outputExists) return report();

    const { prepared, created, creationFailed } = await createWhilePreparing({
      task,
      reader,
      identity,
      toRun,
      run,
      phases,
      fail,
    });
    if (prepared.length === 0) return report();
    // one block size for all methods; each method's chunks are whole multiples of it
    const blockRows = Math.min(...prepared.map((p) => obsmChunkRows(settings.chunkRows, p.embedder.dim, reader.nObs)));
    // the rows wait in memory while the store is still being created (deferred-obsm-writer.ts)
    const active: Active[] = prepared.map((p) => {
      const chunkRows =
        blockRows * Math.max(1, Math.floor(obsmChunkRows(settings.chunkRows, p.embedder.dim, reader.nObs) / blockRows));
      const begin = () =>
        ObsmWriter.begin({
          store: task.output,
          key: obsmKey(p.method.name),
          nObs: reader.nObs,
          dim: p.embedder.dim,
          chunkRows,
          compressor: settings.compressor,
        });
      const budget = Math.floor(HELD_BYTES / prepared.length);
      return { ...p, writer: new DeferredObsmWriter(created, begin, p.embedder.dim, budget), started: Date.now() };
    });
    // once the creation has failed, a method's failure is its consequence: the file's error says it
    await streamBlocks(reader, blockRows, active, run, phases, (m, err) => creationFailed() || fail(m, err));
    try {
      await created;
    } catch (err) {
      await Promise.all(active.map((a) => a.writer.abort()));
      throw err;
    }
    for (const a of active) {
      try {
        await phases.time("write", () => a.writer.commit());
        for (const col of a.embedder.obsColumns?.() ?? []) {
          await writeBoolObsColumn(task.output, col.name, col.values);
          log.info(`obs['${col.name}']: ${col.values.reduce((n, v) => n + v, 0)} of ${col.values.length} cells true`);
        }
        const seconds = (Date.now() - a.started) / 1000;
        log.info(`${obsmKey(a.method.name)}: wrote (${reader.nObs}, ${a.embedder.dim}) in ${seconds.toFixed(1)} s`);
        results.push({
          method: a.method.name,
          key: obsmKey(a.method.name),
          status: "written",
          detail: `(${reader.nObs}, ${a.embedder.dim})`,
          seconds,
        });
      } catch (err) {
        await a.writer.abort();
        fail(a.method.name, err);
      }
    }
    return report();
  } finally {
    if (phases.names.length > 0) log.info(phases.line());
    reader.close();
  }
}

/** Feeds every active method its input, block by block; a method that fails is dropped and aborted. */
async function streamBlocks(
  reader: AnnDataReader,
  blockRows: number,
  active: Active[],
  run: FileRun,
  phases: PhaseTimes,
  fail: (method: string, err: unknown) => void,
): Promise<void> {
  if (active.length === 0) return;
  const inputs = run.dataset.inputs(reader);
  const progress = run.progress ? createProgress(reader.path, reader.nObs) : undefined;
  for (const [r0, r1] of rowRanges(reader.nObs, blockRows)) {
    if (active.length === 0) break;
    // each expression input is read once per block, for every method that declares it
    const read = new Map<string, Promise<InputBlocks[keyof InputBlocks]>>();
    const blockFor = (a: Active) => {
      const input = a.method.input;
      if (input === "tokens") return Promise.resolve(a.embedder.tokens!.read(r0, r1));
      if (!read.has(input)) read.set(input, inputs.read(input, r0, r1));
      return read.get(input)!;
    };
    for (const a of [...active]) {
      try {
        const block = await blockFor(a);
        const t0 = performance.now();
        await a.embedder.embed(block, a.writer.nextRows(r1 - r0), r0);
        const t1 = performance.now();
        await a.writer.advance(r1 - r0);
        phases.add(`forward ${a.method.name}`, t1 - t0);
        phases.add("write", performance.now() - t1);
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

function decide(
  status: EmbeddingStatus,
  overwrite: boolean,
  dim?: number,
): { run: boolean; note?: string; error?: string } {
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
        : {
            run: false,
            error: `exists with shape [${status.shape}], expected ${dim === undefined ? "n_obs rows" : `(n_obs, ${dim})`}`,
          };
  }
}

async function repairConsolidated(store: string, key: string, log: Logger): Promise<void> {
  await withLock(storeLockPath(store), store, () => refreshConsolidated(store, [`obsm/${key}`]));
  log.info(`${key}: .zmetadata did not list it; refreshed`);
}
