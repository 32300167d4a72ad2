/** `scembed run` (whole workflow) and `scembed task` (one planned task, as an array job runs it). */
import { readFileSync } from "node:fs";
import { ConfigError, localExecutor, planSection, planWorkflow, runTask, sectionName, slurmExecutor, workflowStatus, type Executor, type FileReport, type Logger, type Manifest } from "../../index.ts";
import { intFlag, type ParsedArgs } from "../args.ts";
import { configOf } from "../config-file.ts";

const EXECUTORS: Record<string, (args: ParsedArgs) => Executor> = {
  local: (args) => localExecutor({ workers: intFlag(args.flags.workers, "workers"), quiet: Boolean(args.flags.quiet) }),
  slurm: (args) => slurmExecutor({ workflowDir: args.flags["workflow-dir"] as string | undefined, dryRun: Boolean(args.flags["dry-run"]), resume: Boolean(args.flags.resume) }),
};

export async function runCommand(args: ParsedArgs, log: Logger, out: (text: string) => void): Promise<FileReport[]> {
  const name = (args.flags.executor as string | undefined) ?? "local";
  const executor = EXECUTORS[name];
  if (!executor) throw new ConfigError(`unknown executor '${name}'`, { key: "executor", fix: `use --executor ${Object.keys(EXECUTORS).join(" or --executor ")}` });
  const config = configOf(args, log, "scembed run -c dataset.yaml");
  const outcome = await executor(args).run(planWorkflow(config), log);
  if (outcome.workflowDir) out(`workflow: ${outcome.workflowDir}`);
  return outcome.reports;
}

export async function taskCommand(args: ParsedArgs, log: Logger): Promise<FileReport[]> {
  const section = args.flags.section as string | undefined;
  const index = Number(args.flags.index);
  if (args.flags.manifest && section && Number.isInteger(index)) {
    const manifest = JSON.parse(readFileSync(String(args.flags.manifest), "utf8")) as Manifest;
    const task = manifest.sections[sectionName(section)]?.[index];
    if (!task) throw new ConfigError(`no task ${index} for ${section} in the manifest`, { file: String(args.flags.manifest), key: "index" });
    return [await runTask(task, log)];
  }
  const usage = "scembed task -c dataset.yaml -s embedding_cpu --index 0";
  if (!args.flags.config || !section || !Number.isInteger(index) || index < 0) {
    throw new ConfigError("task needs -c <dataset.yaml> -s <section> --index <i>", { fix: usage });
  }
  const tasks = planSection(configOf(args, log, usage), sectionName(section));
  const task = tasks[index];
  if (!task) throw new ConfigError(`index ${index} is out of range: ${section} has ${tasks.length} task(s)`, { key: "index" });
  return [await runTask(task, log)];
}

/** `scembed status <workflow dir>`: per array task state, then the consolidated errors. */
export function statusCommand(args: ParsedArgs, out: (text: string) => void): number {
  const dir = args.positionals[0];
  if (!dir) throw new ConfigError("missing <workflow dir>", { fix: "scembed status outputs/<date>/workflow_<stamp>" });
  const { tasks, errors } = workflowStatus(dir);
  if (args.flags.json) out(JSON.stringify({ tasks, errors }, null, 2));
  else {
    for (const t of tasks) out(`${t.section.padEnd(22)} job ${t.jobId.padEnd(8)} task ${t.task.padEnd(6)} ${t.state}`);
    out(errors ? `\nerrors.log:\n${errors}` : "\nno errors");
  }
  return tasks.some((t) => /FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL/.test(t.state)) ? 1 : 0;
}
