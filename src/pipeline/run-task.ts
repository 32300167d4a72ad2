/** Runs one planned task in this process: prepare only, or prepare and embed. */
import { appendFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { Logger } from "../logger.ts";
import { asWriteError } from "../errors.ts";
import { createDatasetContext } from "./dataset-context.ts";
import { embedFile } from "./embed-file.ts";
import { prepareOnly, type FileRun } from "./method-run.ts";
import { trackWrites } from "./own-temps.ts";
import type { Task } from "./plan.ts";
import { withTaskLogger } from "./progress.ts";
import { failedReport, failedResult, obsmKey, type FileReport, type MethodResult } from "./report.ts";

export interface RunTaskOptions {
  /** how the task names itself in logs and reports; `<section>#<index>` by default */
  label?: string;
  /** stops the task's long loops (between their steps) when aborted: the task was interrupted */
  signal?: AbortSignal;
}

/** The name a task's lines and report carry: the section that runs it and its index. */
export function taskLabel(task: Pick<Task, "section" | "index">): string {
  return `${task.section}#${task.index}`;
}

export async function runTask(task: Task, parent: Logger, opts: RunTaskOptions = {}): Promise<FileReport> {
  const started = Date.now();
  const label = opts.label ?? taskLabel(task);
  const report = await runTaskInner(task, parent, label, opts.signal);
  Object.assign(report, { task: label, seconds: (Date.now() - started) / 1000 });
  const wf = process.env["SCEMBED_WORKFLOW_DIR"];
  const failed = report.results.filter((r) => r.status === "failed");
  if (wf && failed.length > 0) {
    // one consolidated errors.log per workflow: file, method, message and the task's log
    const line = (method: string, detail: string) =>
      `${new Date().toISOString()}\t${label}\t${task.input}\t${method}\t${detail.split("\n")[0]}\tlog: ${task.logFile ?? "-"}\n`;
    const lines = report.error
      ? [line(task.settings.methods.join(","), report.error)]
      : failed.map((r) => line(r.method, r.detail));
    appendFileSync(join(wf, "errors.log"), lines.join(""));
  }
  return report;
}

async function runTaskInner(task: Task, parent: Logger, label: string, signal?: AbortSignal): Promise<FileReport> {
  const s = task.settings;
  const log = parent.child(`${label} ${basename(dirname(task.input))}/${basename(task.input)}`, task.logFile, {
    task: label,
    file: task.input,
  });
  log.info(`${s.prepareOnly ? "prepare" : "embed"} ${s.methods.join(", ")} → ${task.output}`);
  if (process.env["SCEMBED_GPU_WORKER"] !== undefined)
    log.info(`GPU worker: CUDA_VISIBLE_DEVICES=${process.env["CUDA_VISIBLE_DEVICES"] ?? ""}`);
  // an interrupt removes this task's temp entries under its output and cache (own-temps.ts)
  const untrack = trackWrites(task.output, s.dataset.cacheDir);
  try {
    const dataset = createDatasetContext({ ...s.dataset, xIs: s.xIs, chunkRows: s.chunkRows, log, signal });
    // the logger decides how progress shows (bar, lines, JSON, nothing when quiet)
    const run: FileRun = { dataset, log, progress: true, signal };
    return await withTaskLogger({ log, methods: s.methods, signal }, () =>
      s.prepareOnly ? prepareFile(task, run) : embedFile(task, run),
    );
  } catch (thrown) {
    // the output's creation fails on a full or read-only disk: say which output and what to do
    const err = asWriteError(thrown, task.output, "");
    log.error(err instanceof Error ? err.message : String(err));
    return failedReport(task, s.methods, err);
  } finally {
    untrack();
  }
}

/** The preparation phase: check inputs and build per-file resources; writes no embedding. */
async function prepareFile(task: Task, run: FileRun): Promise<FileReport> {
  const reader = await AnnDataReader.open(task.input);
  const results: MethodResult[] = [];
  try {
    for (const name of task.settings.methods) {
      const started = Date.now();
      try {
        const detail = await prepareOnly(name, reader, task.settings, run);
        results.push({
          method: name,
          key: obsmKey(name),
          status: "prepared",
          detail,
          seconds: (Date.now() - started) / 1000,
        });
      } catch (err) {
        const result = failedResult(name, err);
        run.log.error(`${name}: preparation failed: ${result.detail}`);
        results.push(result);
      }
    }
  } finally {
    reader.close();
  }
  return { input: task.input, output: task.output, nObs: reader.nObs, results };
}
