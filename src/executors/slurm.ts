/**
 * SLURM: one array job per section over a manifest frozen at submit time, preparation before
 * GPU embedding (afterok), CPU embedding alongside, an optional hook after both. The plan
 * (src/executors/slurm-plan.ts) is decided first; the dry run prints it, a real run submits it
 * through the real sbatch. As an Executor, `run` submits and returns: the tasks report through
 * the workflow directory (`scembed status`, summary.json).
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { packagePath } from "../package-root.ts";
import type { SectionName } from "../pipeline/config-schema.ts";
import type { Task } from "../pipeline/plan.ts";
import type { Executor } from "../pipeline/workflow.ts";
import { formatSubmission } from "./slurm-dry-run.ts";
import { planSubmission, type Submission } from "./slurm-plan.ts";

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
  /** decide and describe the submission (the outcome's `plan`), submit nothing */
  dryRun?: boolean;
  /** submit only the tasks whose outputs are not complete, into an existing workflow dir */
  resume?: boolean;
  /** how array tasks start scembed; defaults to this node binary + bin/scembed.js */
  scembed?: string[];
  /** `json`: the array tasks log one JSON object a line */
  logFormat?: "text" | "json";
}

export function slurmExecutor(opts: SlurmOptions): Executor {
  return {
    name: "slurm",
    async run(plan, log) {
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
      const workflowDir = resolve(
        opts.workflowDir ?? plan.config.workflow_dir ?? join("outputs", stamp.slice(0, 8), `workflow_${stamp}`),
      );
      const scembed = opts.scembed ?? [process.execPath, packagePath("bin", "scembed.js")];
      const submission = await planSubmission(plan, {
        workflowDir,
        resume: opts.resume ?? false,
        scembed,
        logFormat: opts.logFormat,
      });
      for (const w of submission.warnings) log.warn(`config: ${w}`);
      if (opts.dryRun) return { reports: [], plan: formatSubmission(submission) };
      writeManifest(submission, plan.sections);
      const jobs = submit(submission, log);
      const lines = jobs.map(
        (j) =>
          `${new Date().toISOString()}\t${opts.resume ? "resume" : "submit"}\t${j.section}\tjob ${j.jobId}\tarray ${j.array || "-"}${j.dependency ? `\t${j.dependency}` : ""}\t${j.script}\n`,
      );
      appendFileSync(join(workflowDir, "master.log"), lines.join(""));
      const jobsPath = join(workflowDir, "jobs.json");
      const previous = existsSync(jobsPath) ? (JSON.parse(readFileSync(jobsPath, "utf8")) as SubmittedJob[]) : [];
      writeFileSync(jobsPath, JSON.stringify([...previous, ...jobs], null, 1));
      if (jobs.length === 0) log.info("nothing to submit: every planned output is complete");
      return { reports: [], workflowDir };
    },
  };
}

/**
 * The manifest the tasks read their file from. A resumed workflow keeps its index → file mapping:
 * a plan that maps an index to another file is refused (tasks of the first submission may still run).
 */
function writeManifest(s: Submission, sections: Manifest["sections"]): void {
  mkdirSync(s.workflowDir, { recursive: true });
  if (existsSync(s.manifestPath)) {
    const old = JSON.parse(readFileSync(s.manifestPath, "utf8")) as Manifest;
    for (const [name, tasks] of Object.entries(sections)) {
      const before = old.sections[name as SectionName] ?? [];
      const moved = tasks.find((t, i) => before[i] && (before[i]!.input !== t.input || before[i]!.output !== t.output));
      if (moved || (before.length > 0 && before.length !== tasks.length)) {
        throw new ConfigError(
          `the inputs of ${name} changed since this workflow was submitted${moved ? ` (task ${moved.index} is now ${moved.input})` : ""}`,
          {
            file: s.manifestPath,
            fix: "start a new workflow dir (leave out --workflow-dir / --resume), or restore the inputs",
          },
        );
      }
    }
  }
  writeFileSync(
    s.manifestPath,
    JSON.stringify({ createdAt: new Date().toISOString(), sections } satisfies Manifest, null, 1),
  );
}

function submit(s: Submission, log: Logger): SubmittedJob[] {
  const ids = new Map<string, string>();
  const jobs: SubmittedJob[] = [];
  for (const sec of s.sections) {
    if (!sec.array) continue;
    mkdirSync(join(s.workflowDir, sec.section), { recursive: true });
    writeFileSync(sec.scriptPath, sec.script);
    const after = sec.dependsOn.map((d) => ids.get(d)).filter((id): id is string => id !== undefined);
    const dependency = after.length ? `afterok:${after.join(":")}` : undefined;
    const jobId = sbatch([...(dependency ? [`--dependency=${dependency}`] : []), ...sec.options, sec.scriptPath]);
    ids.set(sec.section, jobId);
    jobs.push({ section: sec.section, jobId, array: sec.array, dependency, script: sec.scriptPath });
    log.info(`submitted ${sec.section}: job ${jobId}, array ${sec.array}${dependency ? `, after ${dependency}` : ""}`);
  }
  if (s.hook) {
    writeFileSync(s.hook.scriptPath, s.hook.script);
    const dependency = `afterok:${s.hook.dependsOn.map((d) => ids.get(d)).join(":")}`;
    jobs.push({
      section: "hook",
      jobId: sbatch([`--dependency=${dependency}`, s.hook.scriptPath]),
      array: "",
      dependency,
      script: s.hook.scriptPath,
    });
  }
  return jobs;
}

function sbatch(args: string[]): string {
  try {
    return execFileSync("sbatch", ["--parsable", ...args], { encoding: "utf8" })
      .trim()
      .split(";")[0]!;
  } catch (err) {
    const e = err as { stderr?: string; code?: string };
    throw new ConfigError(
      `sbatch failed: ${e.code === "ENOENT" ? "sbatch is not installed here" : (e.stderr ?? String(err)).trim()}`,
      { fix: "run on a SLURM login node, or use --executor local" },
    );
  }
}
