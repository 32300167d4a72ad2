/**
 * scembed as a library: what the `scembed` command line does, callable from TypeScript.
 *
 * - one file: `embedOneFile({ input, output, methods })` adds `obsm/X_<method>` to a zarr copy of
 *   the input and reports what each method did;
 * - a dataset: `loadConfig(yaml, overrides)` → `planWorkflow(config)` → `localExecutor()` or
 *   `slurmExecutor({...})` `.run(plan, log)`; `planSection` gives one section's tasks, `runTask` runs one;
 * - what happened: `summarize(reports)` / `formatSummary`, a workflow dir's `summary.json` and
 *   `workflowStatus(dir)` (SLURM states and the completeness of every planned output);
 * - reading: `AnnDataReader.open(path)` (zarr or h5ad, streamed row blocks), `inspectFile(path)`;
 * - the methods: `methodNames()`, `getMethod(name)` (input, options schema, prepare → embed);
 * - QC: `buildReport({ inputs, batchKey, labelKey, workDir })` → `writeReport(data, "report.html")`
 *   (sanity, UMAP and scIB-style metrics of every whole `obsm` embedding; `configOutputs(config)`
 *   lists a config's outputs);
 * - errors: every failure the library foresees is a `ScembedError` (`ConfigError` for bad options,
 *   `InputError` for bad input, …) whose message names the file, the key and a fix.
 *
 * @example
 * ```ts
 * import { createLogger, embedOneFile } from "scembed";
 * const report = await embedOneFile({ input: "chunk_0.h5ad", output: "out/chunk_0.zarr", methods: ["gs", "pca"] }, createLogger());
 * for (const r of report.results) console.log(r.key, r.status, r.detail);
 * ```
 */
export { AnnDataReader, type ObsmEntry } from "./anndata/anndata-reader.ts";
export {
  CodecError,
  ConfigError,
  CudaError,
  InputError,
  InterruptedError,
  LockError,
  ScembedError,
  type ErrorContext,
} from "./errors.ts";
export {
  createLogger,
  memoryLogger,
  type LogFields,
  type LogFormat,
  type Logger,
  type LoggerOptions,
  type Progress,
} from "./logger.ts";
export { getMethod, methodNames } from "./methods/registry.ts";
export type { EmbeddingMethod, MethodInput } from "./methods/method.ts";
export { loadConfig, parseConfig, sectionName, type LoadedConfig } from "./pipeline/config-load.ts";
export type { Config, SectionName } from "./pipeline/config-schema.ts";
export type { XIs } from "./pipeline/expression-source.ts";
export { embedOneFile, FILE_TASK_LABEL, planFile, type FileOptions } from "./pipeline/file-plan.ts";
export { formatInspection, inspectFile, type Inspection } from "./pipeline/inspect.ts";
export { applyOverrides, isOverride } from "./pipeline/overrides.ts";
export { planSection, type EmbedSettings, type Task } from "./pipeline/plan.ts";
export type { FileReport, MethodResult, MethodStatus } from "./pipeline/report.ts";
export { removeOwnTemps } from "./pipeline/own-temps.ts";
export { runTask, type RunTaskOptions } from "./pipeline/run-task.ts";
export { formatSummary, summarize, type Summary, type SummaryRow } from "./pipeline/summary.ts";
export { planWorkflow, type Executor, type WorkflowOutcome, type WorkflowPlan } from "./pipeline/workflow.ts";
export { localExecutor, type LocalOptions } from "./executors/local.ts";
export { slurmExecutor, type Manifest, type SlurmOptions, type SubmittedJob } from "./executors/slurm.ts";
export { formatStatus } from "./executors/status-text.ts";
export { interruptedReport, interruptible, type Interruption } from "./executors/task-signals.ts";
export { recordTask, writeSummary, type SummaryFile, type TaskRecord } from "./executors/task-records.ts";
export {
  workflowStatus,
  type SectionStatus,
  type StatusOptions,
  type TaskStatus,
  type WorkflowStatus,
} from "./executors/workflow-status.ts";
export { gpuReport, type GpuReport } from "./gpu/gpu-report.ts";
export { packagePath, packageVersion } from "./package-root.ts";
export { buildReport, REDUCED_DIM, type ReportOptions } from "./report/build-report.ts";
export { configOutputs, type ConfigOutputs } from "./report/config-outputs.ts";
export type { MethodReport, Metrics, ReportData, Sanity } from "./report/report-data.ts";
export { jsonPathOf, writeReport } from "./report/write-report.ts";
