/** Messages between the local executor and its worker processes. */
import type { FileReport, MethodResult } from "../pipeline/report.ts";
import type { Task } from "../pipeline/plan.ts";

export type ToWorker = { type: "task"; task: Task } | { type: "exit" };
export type FromWorker = { type: "ready" } | { type: "done"; report: SerializedReport };

export type SerializedReport = Omit<FileReport, "results"> & { results: Omit<MethodResult, "error">[] };

export function serializeReport(report: FileReport): SerializedReport {
  return { ...report, results: report.results.map(({ error: _error, ...rest }) => rest) };
}
