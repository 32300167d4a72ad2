/**
 * `scembed status <workflow dir>`: per section, each planned task's SLURM state (scontrol or
 * sacct, saying which), what its last run recorded, and how far every planned output is (from
 * the manifest and the outputs themselves, so it answers after SLURM has forgotten the jobs).
 * A local workflow dir (written by `run --workflow-dir`) has no SLURM part.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import { SECTION_NAMES } from "../pipeline/config-schema.ts";
import type { MethodStatus } from "../pipeline/report.ts";
import { allComplete, outputStates, type MethodOutput, type OutputState } from "./output-state.ts";
import type { Manifest, SubmittedJob } from "./slurm.ts";
import { arrayIndices } from "./slurm-plan.ts";
import { FAILED_STATES, jobStates, type SourceChoice, type StateSource } from "./slurm-states.ts";
import { readRecords, type TaskRecord } from "./task-records.ts";

export interface TaskStatus {
  index: number;
  input: string;
  output: string;
  /** the task's state in its latest array job; null for a local workflow */
  slurm: { jobId: string; state: string; exitCode?: string; source: StateSource } | null;
  /** what its last run recorded: the worst of its methods' statuses */
  lastRun: { status: MethodStatus; finishedAt: string; signal?: string } | null;
  /** per method, how far the output is; null for the preparation section (it writes caches) */
  outputs: MethodOutput[] | null;
}

export interface SectionStatus {
  section: string;
  jobs: { jobId: string; array: string; source: StateSource; note?: string }[];
  tasks: TaskStatus[];
}

export interface WorkflowStatus {
  workflowDir: string;
  executor: "slurm" | "local";
  sections: SectionStatus[];
  /** planned outputs (file × method) by state */
  outputs: Partial<Record<OutputState, number>>;
  /** some task failed or was interrupted and its outputs are not complete */
  failed: boolean;
  errors: string;
}

export interface StatusOptions {
  /** where SLURM states come from: auto (scontrol, else sacct), scontrol, sacct */
  source?: SourceChoice;
}

const WORST: MethodStatus[] = ["failed", "interrupted", "written", "prepared", "skipped"];

export async function workflowStatus(workflowDir: string, opts: StatusOptions = {}): Promise<WorkflowStatus> {
  const wf = resolve(workflowDir);
  const manifestPath = join(wf, "manifest.json");
  if (!existsSync(manifestPath)) {
    throw new ConfigError("no manifest.json: not a workflow directory", {
      file: wf,
      fix: "pass the directory printed by `scembed run --executor slurm` (or `run --workflow-dir D`)",
    });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
  const jobsPath = join(wf, "jobs.json");
  const jobs = existsSync(jobsPath) ? (JSON.parse(readFileSync(jobsPath, "utf8")) as SubmittedJob[]) : undefined;
  const records = new Map(readRecords(wf).map((r) => [`${r.section}#${r.index}`, r]));
  const sections: SectionStatus[] = [];
  const outputs: Partial<Record<OutputState, number>> = {};
  let failed = false;
  // a preparation task matters only while the GPU output of its file is not complete (as for --resume)
  const gpuDone = new Set<string>();
  for (const t of manifest.sections.embedding_gpu ?? []) if (allComplete(await outputStates(t))) gpuDone.add(t.input);
  for (const name of SECTION_NAMES) {
    const tasks = manifest.sections[name];
    if (!tasks?.length) continue;
    const own = (jobs ?? []).filter((j) => j.section === name);
    const states = own.map((j) => ({ job: j, states: jobStates(j.jobId, opts.source) }));
    const section: SectionStatus = {
      section: name,
      jobs: states.map(({ job, states: s }) => ({
        jobId: job.jobId,
        array: job.array,
        source: s.source,
        ...(s.note ? { note: s.note } : {}),
      })),
      tasks: [],
    };
    for (const t of tasks) {
      const latest = states.filter(({ job }) => arrayIndices(job.array).includes(t.index)).at(-1);
      const st = latest?.states.tasks.get(t.index);
      const slurm = latest
        ? {
            jobId: `${latest.job.jobId}_${t.index}`,
            state: st?.state ?? "UNKNOWN",
            ...(st?.exitCode ? { exitCode: st.exitCode } : {}),
            source: latest.states.source,
          }
        : null;
      const lastRun = summarizeRecord(records.get(`${name}#${t.index}`));
      const outs = t.settings.prepareOnly ? null : await outputStates(t);
      for (const o of outs ?? []) outputs[o.state] = (outputs[o.state] ?? 0) + 1;
      const bad =
        FAILED_STATES.test(slurm?.state ?? "") || lastRun?.status === "failed" || lastRun?.status === "interrupted";
      const done = outs ? allComplete(outs) : gpuDone.has(t.input);
      if (bad && !done) failed = true;
      section.tasks.push({ index: t.index, input: t.input, output: t.output, slurm, lastRun, outputs: outs });
    }
    sections.push(section);
  }
  const errorsPath = join(wf, "errors.log");
  return {
    workflowDir: wf,
    executor: jobs ? "slurm" : "local",
    sections,
    outputs,
    failed,
    errors: existsSync(errorsPath) ? readFileSync(errorsPath, "utf8") : "",
  };
}

function summarizeRecord(r: TaskRecord | undefined): TaskStatus["lastRun"] {
  if (!r) return null;
  const status = WORST.find((s) => r.results.some((x) => x.status === s)) ?? "skipped";
  return { status, finishedAt: r.finishedAt, ...(r.interrupted ? { signal: r.interrupted.signal } : {}) };
}
