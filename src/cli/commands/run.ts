/** `scembed run` (whole workflow), `scembed task` (one planned task, as an array job runs it), `scembed status`. */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  ConfigError,
  formatStatus,
  interruptedReport,
  interruptible,
  localExecutor,
  planSection,
  planWorkflow,
  recordTask,
  removeOwnTemps,
  runTask,
  sectionName,
  slurmExecutor,
  summarize,
  workflowStatus,
  writeSummary,
  type Executor,
  type FileReport,
  type Logger,
  type Manifest,
  type SectionName,
  type Task,
  type WorkflowPlan,
} from "../../index.ts";
import { intFlag, type ParsedArgs } from "../args.ts";
import { configOf } from "../config-file.ts";
import { onInterrupt } from "../interrupt.ts";
import { commandLogger } from "./log-options.ts";

const EXECUTORS: Record<string, (args: ParsedArgs) => Executor> = {
  local: (args) => localExecutor({ workers: intFlag(args.flags.workers, "workers"), quiet: Boolean(args.flags.quiet) }),
  slurm: (args) =>
    slurmExecutor({
      workflowDir: args.flags["workflow-dir"] as string | undefined,
      dryRun: Boolean(args.flags["dry-run"]),
      resume: Boolean(args.flags.resume),
      logFormat: args.flags["log-format"] === "json" ? "json" : undefined,
    }),
};

export async function runCommand(args: ParsedArgs, parent: Logger, out: (text: string) => void): Promise<FileReport[]> {
  const log = commandLogger(args, parent);
  const name = (args.flags.executor as string | undefined) ?? "local";
  const executor = EXECUTORS[name];
  if (!executor)
    throw new ConfigError(`unknown executor '${name}'`, {
      key: "executor",
      fix: `use --executor ${Object.keys(EXECUTORS).join(" or --executor ")}`,
    });
  const config = configOf(args, log, "scembed run -c dataset.yaml");
  const plan = planWorkflow(config);
  // a local run keeps a workflow dir only when given one (manifest, task records, summary.json)
  const localDir =
    name === "local"
      ? ((args.flags["workflow-dir"] as string | undefined) ?? config.workflow_dir ?? undefined)
      : undefined;
  if (localDir) writeManifest(resolve(localDir), plan);
  const chosen = executor(args);
  const stop = chosen.stop?.bind(chosen);
  if (stop) onInterrupt((signal) => void stop(signal));
  const outcome = await chosen.run(plan, log);
  if (outcome.plan) out(outcome.plan);
  if (localDir) await recordLocalRun(resolve(localDir), outcome.reports);
  const workflowDir = outcome.workflowDir ?? (localDir ? resolve(localDir) : undefined);
  if (workflowDir) out(`workflow: ${workflowDir}`);
  return outcome.reports;
}

function writeManifest(dir: string, plan: WorkflowPlan): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}/manifest.json`,
    JSON.stringify({ createdAt: new Date().toISOString(), sections: plan.sections } satisfies Manifest, null, 1),
  );
}

async function recordLocalRun(dir: string, reports: FileReport[]): Promise<void> {
  for (const r of reports) {
    const m = /^(\w+)#(\d+)$/.exec(r.task ?? "");
    if (m)
      await recordTask(
        dir,
        { section: m[1] as SectionName, index: Number(m[2]) },
        r,
        { startedAt: new Date(Date.now() - (r.seconds ?? 0) * 1000) },
        false,
      );
  }
  await writeSummary(dir, summarize(reports));
}

export async function taskCommand(args: ParsedArgs, parent: Logger): Promise<FileReport[]> {
  const log = commandLogger(args, parent);
  const { task, workflowDir } = taskOf(args, log);
  const startedAt = new Date();
  // the signal is interruptible()'s to handle (the task records "interrupted"), not the CLI's default exit
  onInterrupt(() => {});
  const { value, interrupted } = await interruptible((signal) => runTask(task, log, { signal }), { log });
  const report = interrupted ? await interruptedReport(task, value, interrupted) : value!;
  if (workflowDir) await recordTask(workflowDir, task, report, { startedAt, interrupted });
  // work that did not stop in time is abandoned: once main has printed the summary and set the exit code, end the process
  if (interrupted && !value) {
    setImmediate(() => {
      removeOwnTemps();
      process.exit();
    });
  }
  return [report];
}

function taskOf(args: ParsedArgs, log: Logger): { task: Task; workflowDir?: string } {
  const section = args.flags.section as string | undefined;
  const index = Number(args.flags.index);
  if (args.flags.manifest && section && Number.isInteger(index)) {
    const path = resolve(String(args.flags.manifest));
    const manifest = JSON.parse(readFileSync(path, "utf8")) as Manifest;
    const task = manifest.sections[sectionName(section)]?.[index];
    if (!task) throw new ConfigError(`no task ${index} for ${section} in the manifest`, { file: path, key: "index" });
    return { task, workflowDir: dirname(path) };
  }
  const usage = "scembed task -c dataset.yaml -s embedding_cpu --index 0";
  if (!args.flags.config || !section || !Number.isInteger(index) || index < 0) {
    throw new ConfigError("task needs -c <dataset.yaml> -s <section> --index <i>", { fix: usage });
  }
  const tasks = planSection(configOf(args, log, usage), sectionName(section));
  const task = tasks[index];
  if (!task)
    throw new ConfigError(`index ${index} is out of range: ${section} has ${tasks.length} task(s)`, { key: "index" });
  return { task };
}

/** `scembed status <workflow dir>`: per task its SLURM state, last run and outputs; exit 1 when one failed. */
export async function statusCommand(args: ParsedArgs, out: (text: string) => void): Promise<number> {
  const dir = args.positionals[0];
  if (!dir)
    throw new ConfigError("missing <workflow dir>", {
      fix: "scembed status outputs/<date>/workflow_<stamp> [--json] [--source auto|scontrol|sacct]",
    });
  const source = (args.flags.source as string | undefined) ?? "auto";
  if (!["auto", "scontrol", "sacct"].includes(source))
    throw new ConfigError(`--source takes auto, scontrol or sacct, got '${source}'`, { key: "source" });
  const status = await workflowStatus(dir, { source: source as "auto" | "scontrol" | "sacct" });
  out(args.flags.json ? JSON.stringify(status, null, 2) : formatStatus(status));
  return status.failed ? 1 : 0;
}
