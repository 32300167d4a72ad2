/** Runs one planned task in this process: prepare only, or prepare and embed. */
import { appendFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { getMethod } from "../methods/registry.ts";
import type { DatasetContext } from "../methods/method.ts";
import { createDatasetContext } from "./dataset-context.ts";
import { embedFile, obsmKey, type FileReport, type MethodResult } from "./embed-file.ts";
import type { Logger } from "./logger.ts";
import type { Task } from "./plan.ts";

export async function runTask(task: Task, parent: Logger, progress = false): Promise<FileReport> {
  const report = await runTaskInner(task, parent, progress);
  const wf = process.env["SCEMBED_WORKFLOW_DIR"];
  const failed = report.results.filter((r) => r.status === "failed");
  if (wf && failed.length > 0) {
    // one consolidated errors.log per workflow: file, method, message and the task's log
    const lines = failed.map((r) => `${new Date().toISOString()}\t${task.section}#${task.index}\t${task.input}\t${r.method}\t${r.detail.split("\n")[0]}\tlog: ${task.logFile ?? "-"}\n`);
    appendFileSync(join(wf, "errors.log"), lines.join(""));
  }
  return report;
}

async function runTaskInner(task: Task, parent: Logger, progress: boolean): Promise<FileReport> {
  const log = parent.child(`${task.section}#${task.index} ${basename(dirname(task.input))}/${basename(task.input)}`, task.logFile);
  log.info(`${task.prepareOnly ? "prepare" : "embed"} ${task.methods.join(", ")} → ${task.output}`);
  if (process.env["SCEMBED_GPU_WORKER"] !== undefined) log.info(`GPU worker: CUDA_VISIBLE_DEVICES=${process.env["CUDA_VISIBLE_DEVICES"] ?? ""}`);
  try {
    const dataset = createDatasetContext({ files: task.datasetFiles, cacheDir: task.cacheDir, batchKey: task.batchKey, xIs: task.xIs, chunkRows: Math.min(task.chunkRows, 1024), log });
    if (task.prepareOnly) return await prepareOnly(task, dataset, log);
    return await embedFile({
      input: task.input,
      output: task.output,
      methods: task.methods,
      chunkRows: task.chunkRows,
      batchSize: task.batchSize,
      overwrite: task.overwrite,
      xIs: task.xIs,
      dimMap: task.dimMap,
      initKwargs: (m) => task.initKwargs[m] ?? {},
      compressor: task.compressor,
      outputZarrFormat: task.outputZarrFormat,
      dataset,
      log,
      progress,
    });
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    log.error(error.message);
    return {
      input: task.input,
      output: task.output,
      nObs: 0,
      results: task.methods.map((m) => ({ method: m, key: obsmKey(m), status: "failed", detail: error.message, error })),
    };
  }
}

/** The preparation phase: check inputs and build per-file resources; writes no embedding. */
async function prepareOnly(task: Task, dataset: DatasetContext, log: Logger): Promise<FileReport> {
  const reader = await AnnDataReader.open(task.input);
  const results: MethodResult[] = [];
  try {
    for (const name of task.methods) {
      const started = Date.now();
      try {
        const method = getMethod(name);
        const ctx = { reader, initKwargs: task.initKwargs[name] ?? {}, configuredDim: task.dimMap[name], batchSize: task.batchSize, log, dataset };
        const detail = method.prepareOnly ? await method.prepareOnly(ctx) : `dim ${(await method.prepare(ctx)).dim}`;
        results.push({ method: name, key: obsmKey(name), status: "prepared", detail, seconds: (Date.now() - started) / 1000 });
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        log.error(`${name}: preparation failed: ${error.message}`);
        results.push({ method: name, key: obsmKey(name), status: "failed", detail: error.message, error });
      }
    }
  } finally {
    reader.close();
  }
  return { input: task.input, output: task.output, nObs: reader.nObs, results };
}
