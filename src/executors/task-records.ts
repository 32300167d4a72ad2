/**
 * What the tasks of a workflow did, kept in its directory: `tasks/<section>/task_<i>.json` holds
 * the latest run of each task (its results, when it ran, the SLURM job, the signal that
 * interrupted it), and `summary.json` is rebuilt from all of them after every task, under a lock
 * and written atomically, so it is whole however the tasks interleave.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SECTION_NAMES } from "../pipeline/config-schema.ts";
import type { Task } from "../pipeline/plan.ts";
import type { FileReport, MethodResult } from "../pipeline/report.ts";
import { summarize, type Summary } from "../pipeline/summary.ts";
import { writeJsonAtomic } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";

export interface TaskRecord {
  section: string;
  index: number;
  task: string;
  input: string;
  output: string;
  nObs: number;
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** the signal that ended the task before its methods did (SLURM's time limit, preemption) */
  interrupted?: { signal: string; at: string };
  /** where SLURM ran it */
  slurm?: Record<string, string>;
  results: Omit<MethodResult, "error">[];
}

export interface SummaryFile extends Summary {
  workflowDir: string;
  updatedAt: string;
}

const SLURM_VARS: Record<string, string> = {
  jobId: "SLURM_JOB_ID",
  arrayJobId: "SLURM_ARRAY_JOB_ID",
  arrayTaskId: "SLURM_ARRAY_TASK_ID",
  restartCount: "SLURM_RESTART_COUNT",
  node: "SLURMD_NODENAME",
};

export function recordPath(workflowDir: string, section: string, index: number): string {
  return join(workflowDir, "tasks", section, `task_${index}.json`);
}

/** Writes the task's record, then (unless `rebuild` is false) summary.json from every record. */
export async function recordTask(
  workflowDir: string,
  task: Pick<Task, "section" | "index">,
  report: FileReport,
  run: { startedAt: Date; interrupted?: TaskRecord["interrupted"] },
  rebuild = true,
): Promise<void> {
  const slurm: Record<string, string> = {};
  for (const [k, v] of Object.entries(SLURM_VARS)) if (process.env[v]) slurm[k] = process.env[v]!;
  const record: TaskRecord = {
    section: task.section,
    index: task.index,
    task: report.task ?? `${task.section}#${task.index}`,
    input: report.input,
    output: report.output,
    nObs: report.nObs,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    seconds: (Date.now() - run.startedAt.getTime()) / 1000,
    ...(run.interrupted ? { interrupted: run.interrupted } : {}),
    ...(Object.keys(slurm).length ? { slurm } : {}),
    results: report.results.map(({ error: _error, ...rest }) => rest),
  };
  await writeJsonAtomic(recordPath(workflowDir, task.section, task.index), record);
  if (rebuild)
    await withLock(join(workflowDir, "summary.json.lock"), workflowDir, () =>
      writeSummary(workflowDir, summarize(readRecords(workflowDir).map(asReport))),
    );
}

export function readRecords(workflowDir: string): TaskRecord[] {
  const root = join(workflowDir, "tasks");
  if (!existsSync(root)) return [];
  const records: TaskRecord[] = [];
  const order = (s: string) => (SECTION_NAMES as readonly string[]).indexOf(s);
  for (const section of readdirSync(root).sort((a, b) => order(a) - order(b))) {
    const files = readdirSync(join(root, section)).filter((f) => /^task_\d+\.json$/.test(f));
    files.sort((a, b) => Number(a.slice(5, -5)) - Number(b.slice(5, -5)));
    for (const f of files) records.push(JSON.parse(readFileSync(join(root, section, f), "utf8")) as TaskRecord);
  }
  return records;
}

export function asReport(r: TaskRecord): FileReport {
  return { input: r.input, output: r.output, nObs: r.nObs, results: r.results, task: r.task, seconds: r.seconds };
}

export async function writeSummary(workflowDir: string, summary: Summary): Promise<SummaryFile> {
  const file: SummaryFile = { workflowDir, updatedAt: new Date().toISOString(), ...summary };
  await writeJsonAtomic(join(workflowDir, "summary.json"), file);
  return file;
}
