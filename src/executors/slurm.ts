/**
 * SLURM: one array job per section over a manifest frozen at submit time, preparation before
 * GPU embedding (afterok), CPU embedding alongside, an optional hook after both. Submission,
 * status and resume go through the real sbatch / squeue / scontrol. As an Executor, `run`
 * submits and returns: the tasks report through the workflow directory (`scembed status`).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus } from "../anndata/completeness.ts";
import { ConfigError } from "../errors.ts";
import { packagePath } from "../package-root.ts";
import { SECTION_NAMES, type Config, type SectionName } from "../pipeline/config-schema.ts";
import type { Task } from "../pipeline/plan.ts";
import { obsmKey } from "../pipeline/report.ts";
import type { Executor, WorkflowPlan } from "../pipeline/workflow.ts";
import { sbatchScript, type SlurmSettings } from "./sbatch-script.ts";

export interface Manifest {
  createdAt: string;
  sections: Partial<Record<SectionName, Task[]>>;
}

export interface SubmittedJob {
  section: string;
  jobId: string;
  array: string;
  dependency?: string;
  script: string;
}

export interface SlurmOptions {
  /** `outputs/<date>/workflow_<stamp>` by default (or the config's workflow_dir) */
  workflowDir?: string;
  dryRun?: boolean;
  resume?: boolean;
  /** how array tasks start scembed; defaults to this node binary + bin/scembed.js */
  scembed?: string[];
}

export function slurmExecutor(opts: SlurmOptions): Executor {
  return {
    name: "slurm",
    async run(plan, log) {
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
      const workflowDir = resolve(opts.workflowDir ?? plan.config.workflow_dir ?? join("outputs", stamp.slice(0, 8), `workflow_${stamp}`));
      const { jobs, scripts } = await submitWorkflow(plan, { ...opts, workflowDir });
      if (opts.dryRun) for (const [section, text] of Object.entries(scripts)) log.info(`--- ${section} ---\n${text}`);
      for (const j of jobs) log.info(`submitted ${j.section}: job ${j.jobId}, array ${j.array || "-"}${j.dependency ? `, after ${j.dependency}` : ""}`);
      return { reports: [], workflowDir: opts.dryRun ? undefined : workflowDir };
    },
  };
}

function settingsFor(config: Config, section: SectionName): SlurmSettings {
  const global = (config.slurm ?? {}) as SlurmSettings;
  const sec = config[section]!;
  const own = (sec.slurm ?? {}) as SlurmSettings;
  const merged: SlurmSettings = { max_concurrent: 10, ...global, ...own };
  if (!merged.mem && sec.memory_gb) merged.mem = `${sec.memory_gb}G`;
  return merged;
}

async function outputComplete(t: Task): Promise<boolean> {
  if (!existsSync(t.output)) return false;
  const reader = await AnnDataReader.open(t.output).catch(() => undefined);
  if (!reader) return false;
  try {
    for (const m of t.settings.methods) if ((await embeddingStatus(t.output, obsmKey(m), reader.nObs)).state !== "complete") return false;
    return true;
  } finally {
    reader.close();
  }
}

/** Tasks whose outputs are not complete yet (all tasks unless resuming). */
async function pending(tasks: Task[], resume: boolean, gpuDone: Set<string>): Promise<Task[]> {
  if (!resume) return tasks;
  const out: Task[] = [];
  for (const t of tasks) {
    if (t.settings.prepareOnly) {
      if (!gpuDone.has(t.input)) out.push(t);
      continue;
    }
    if (!(await outputComplete(t))) out.push(t);
  }
  return out;
}

async function submitWorkflow({ config, sections }: WorkflowPlan, opts: SlurmOptions & { workflowDir: string }): Promise<{ jobs: SubmittedJob[]; scripts: Record<string, string> }> {
  const wf = opts.workflowDir;
  const manifestPath = join(wf, "manifest.json");
  const manifest: Manifest = { createdAt: new Date().toISOString(), sections };
  const scembed = opts.scembed ?? [process.execPath, packagePath("bin", "scembed.js")];
  // a resumed GPU section that is complete needs no preparation either
  const gpuDone = new Set<string>();
  if (opts.resume) {
    const gpu = await pending(sections.embedding_gpu ?? [], true, new Set());
    for (const t of sections.embedding_gpu ?? []) if (!gpu.includes(t)) gpuDone.add(t.input);
  }
  const scripts: Record<string, string> = {};
  const jobs: SubmittedJob[] = [];
  if (!opts.dryRun) {
    mkdirSync(wf, { recursive: true });
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 1));
  }
  const ids: Partial<Record<SectionName, string>> = {};
  for (const s of SECTION_NAMES) {
    const tasks = await pending(sections[s] ?? [], opts.resume ?? false, gpuDone);
    if (tasks.length === 0) continue;
    const indices = tasks.map((t) => t.index);
    const contiguous = indices.every((v, i) => v === indices[0]! + i);
    const array = indices.length === 1 ? String(indices[0]) : contiguous ? `${indices[0]}-${indices[indices.length - 1]}` : indices.join(",");
    const script = sbatchScript({ section: s, workflowDir: wf, manifest: manifestPath, array, settings: settingsFor(config, s), scembed });
    scripts[s] = script;
    const dependency = s === "embedding_gpu" && ids.embedding_preparation ? `afterok:${ids.embedding_preparation}` : undefined;
    if (opts.dryRun) continue;
    mkdirSync(join(wf, s), { recursive: true });
    const scriptPath = join(wf, s, `submit_${Date.now()}.sbatch`);
    writeFileSync(scriptPath, script);
    const jobId = sbatch([...(dependency ? [`--dependency=${dependency}`] : []), scriptPath]);
    ids[s] = jobId;
    jobs.push({ section: s, jobId, array, dependency, script: scriptPath });
  }
  const hook = config.dataset_creation_hook;
  if (hook) {
    const after = [ids.embedding_cpu, ids.embedding_gpu].filter(Boolean);
    const script = `#!/bin/bash\n#SBATCH --job-name=scembed_hook\n#SBATCH --output=${wf}/hook_%j.out\n${hook}\n`;
    scripts["hook"] = script;
    if (!opts.dryRun && after.length > 0) {
      const path = join(wf, "hook.sbatch");
      writeFileSync(path, script);
      const dependency = `afterok:${after.join(":")}`;
      jobs.push({ section: "hook", jobId: sbatch([`--dependency=${dependency}`, path]), array: "", dependency, script: path });
    }
  }
  if (!opts.dryRun) {
    // the master log: what was submitted when, and on what
    const lines = jobs.map((j) => `${new Date().toISOString()}\t${opts.resume ? "resume" : "submit"}\t${j.section}\tjob ${j.jobId}\tarray ${j.array || "-"}${j.dependency ? `\t${j.dependency}` : ""}\t${j.script}\n`);
    appendFileSync(join(wf, "master.log"), lines.join(""));
    const jobsPath = join(wf, "jobs.json");
    const previous = existsSync(jobsPath) ? (JSON.parse(readFileSync(jobsPath, "utf8")) as SubmittedJob[]) : [];
    writeFileSync(jobsPath, JSON.stringify([...previous, ...jobs], null, 1));
  }
  return { jobs, scripts };
}

function sbatch(args: string[]): string {
  try {
    return execFileSync("sbatch", ["--parsable", ...args], { encoding: "utf8" }).trim().split(";")[0]!;
  } catch (err) {
    const e = err as { stderr?: string; code?: string };
    throw new ConfigError(`sbatch failed: ${e.code === "ENOENT" ? "sbatch is not installed here" : (e.stderr ?? String(err)).trim()}`, { fix: "run on a SLURM login node, or use --executor local" });
  }
}

export interface TaskState {
  section: string;
  jobId: string;
  task: string;
  state: string;
}

/** Per array task state, from squeue (pending/running) and scontrol (finished, while SLURM keeps them). */
export function workflowStatus(workflowDir: string): { tasks: TaskState[]; errors: string } {
  const wf = resolve(workflowDir);
  const jobsPath = join(wf, "jobs.json");
  if (!existsSync(jobsPath)) throw new ConfigError("no jobs.json: not a submitted workflow directory", { file: wf, fix: "pass the directory given by `scembed run --executor slurm`" });
  const jobs = JSON.parse(readFileSync(jobsPath, "utf8")) as SubmittedJob[];
  const tasks: TaskState[] = [];
  for (const j of jobs) {
    let text = "";
    try {
      text = execFileSync("scontrol", ["show", "job", j.jobId, "-o"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } catch {
      text = "";
    }
    for (const line of text.split("\n").filter(Boolean)) {
      const field = (k: string) => new RegExp(`\\b${k}=(\\S+)`).exec(line)?.[1] ?? "";
      tasks.push({ section: j.section, jobId: j.jobId, task: field("ArrayTaskId") || "-", state: field("JobState") });
    }
    if (!text) tasks.push({ section: j.section, jobId: j.jobId, task: j.array, state: "UNKNOWN (no longer kept by SLURM)" });
  }
  const errorsPath = join(wf, "errors.log");
  return { tasks, errors: existsSync(errorsPath) ? readFileSync(errorsPath, "utf8") : "" };
}

