/**
 * The end-of-run summary: one row per file × method with its status (written, skipped, prepared,
 * failed, interrupted), seconds and cells/s. `embed`, `run` and every array task print it;
 * `run` also writes it as `<workflow_dir>/summary.json`.
 */
import { basename, dirname } from "node:path";
import { roundRate } from "../log-progress.ts";
import type { FileReport, MethodStatus } from "./report.ts";
import { table } from "./text-table.ts";

export interface SummaryRow {
  /** `embedding_cpu#3`, `embed`; null when the task was lost before it could say */
  task: string | null;
  input: string;
  output: string;
  nObs: number;
  method: string;
  key: string;
  status: MethodStatus;
  detail: string;
  seconds: number | null;
  cellsPerSecond: number | null;
}

export interface Summary {
  files: number;
  counts: Partial<Record<MethodStatus, number>>;
  rows: SummaryRow[];
}

const ORDER: MethodStatus[] = ["written", "skipped", "prepared", "interrupted", "failed"];

export function summarize(reports: readonly FileReport[]): Summary {
  const rows: SummaryRow[] = [];
  for (const r of reports) {
    for (const m of r.results) {
      const seconds = m.seconds ?? null;
      const timed =
        seconds !== null && seconds > 0 && (m.status === "written" || m.status === "prepared") && r.nObs > 0;
      rows.push({
        task: r.task ?? null,
        input: r.input,
        output: r.output,
        nObs: r.nObs,
        method: m.method,
        key: m.key,
        status: m.status,
        detail: m.detail.split("\n")[0]!,
        seconds: seconds === null ? null : Math.round(seconds * 100) / 100,
        cellsPerSecond: timed ? roundRate(r.nObs / seconds) : null,
      });
    }
  }
  return { files: new Set(rows.map((r) => r.input)).size, counts: countStatuses(rows), rows };
}

export function countStatuses(rows: readonly { status: MethodStatus }[]): Partial<Record<MethodStatus, number>> {
  const counts: Partial<Record<MethodStatus, number>> = {};
  for (const s of ORDER) {
    const n = rows.filter((r) => r.status === s).length;
    if (n > 0) counts[s] = n;
  }
  return counts;
}

/** `summary: 3 file(s), 6 result(s): 4 written, 2 skipped` and the table. */
export function formatSummary(s: Summary): string {
  const counts = ORDER.filter((k) => s.counts[k])
    .map((k) => `${s.counts[k]} ${k}`)
    .join(", ");
  const head = `summary: ${s.files} file(s), ${s.rows.length} result(s)${counts ? `: ${counts}` : ""}`;
  if (s.rows.length === 0) return head;
  const rows = s.rows.map((r) => [
    r.task ?? "-",
    shortName(r.input),
    r.key,
    r.status,
    cut(r.detail),
    r.seconds === null ? "-" : r.seconds.toFixed(1),
    r.cellsPerSecond === null ? "-" : r.cellsPerSecond.toLocaleString("en-US"),
  ]);
  return [
    head,
    ...table(["task", "file", "key", "status", "detail", "seconds", "cells/s"], rows, [
      "left",
      "left",
      "left",
      "left",
      "left",
      "right",
      "right",
    ]),
  ].join("\n");
}

/** A detail as one table cell: at most 80 characters (the log has the whole message). */
function cut(text: string): string {
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** The file as the logs name it: `<split>/<file>`. */
export function shortName(path: string): string {
  return `${basename(dirname(path))}/${basename(path)}`;
}
