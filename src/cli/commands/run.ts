/** `scembed run` (whole workflow) and `scembed task` (one planned task, as an array job runs it). */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ConfigError } from "../../errors.ts";
import { submitWorkflow, workflowStatus, type Manifest } from "../../executors/slurm.ts";
import { localExecutor } from "../../executors/local.ts";
import { loadConfig } from "../../pipeline/config-load.ts";
import { SECTION_NAMES, type SectionName } from "../../pipeline/config-schema.ts";
import type { FileReport } from "../../pipeline/embed-file.ts";
import type { Logger } from "../../pipeline/logger.ts";
import { planSection } from "../../pipeline/plan.ts";
import { runTask } from "../../pipeline/run-task.ts";
import { runWorkflow } from "../../pipeline/workflow.ts";
import { intFlag, type ParsedArgs } from "../args.ts";

export async function runCommand(args: ParsedArgs, log: Logger): Promise<FileReport[]> {
  if (!args.flags.config) throw new ConfigError("missing -c <dataset.yaml>", { fix: "scembed run -c dataset.yaml" });
  const executor = (args.flags.executor as string | undefined) ?? "local";
  if (executor !== "local" && executor !== "slurm") throw new ConfigError(`unknown executor '${executor}'`, { key: "executor", fix: "use --executor local or --executor slurm" });
  const { config } = loadConfig(String(args.flags.config), args.overrides);
  if (executor === "slurm") {
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "_").slice(0, 15);
    const workflowDir = (args.flags["workflow-dir"] as string | undefined) ?? config.workflow_dir ?? join("outputs", stamp.slice(0, 8), `workflow_${stamp}`);
    const { jobs, scripts } = await submitWorkflow(config, { workflowDir, dryRun: Boolean(args.flags["dry-run"]), resume: Boolean(args.flags.resume) });
    if (args.flags["dry-run"]) for (const [section, text] of Object.entries(scripts)) log.info(`--- ${section} ---\n${text}`);
    for (const j of jobs) log.info(`submitted ${j.section}: job ${j.jobId}, array ${j.array || "-"}${j.dependency ? `, after ${j.dependency}` : ""}`);
    if (!args.flags["dry-run"]) process.stdout.write(`workflow: ${resolve(workflowDir)}\n`);
    return [];
  }
  const report = await runWorkflow(config, localExecutor({ workers: intFlag(args.flags.workers, "workers"), quiet: Boolean(args.flags.quiet) }), log);
  return report.phases.flatMap((p) => p.reports);
}

export async function taskCommand(args: ParsedArgs, log: Logger): Promise<FileReport[]> {
  const section = args.flags.section as string | undefined;
  const index = Number(args.flags.index);
  if (args.flags.manifest && section && Number.isInteger(index)) {
    const manifest = JSON.parse(readFileSync(String(args.flags.manifest), "utf8")) as Manifest;
    const task = manifest.sections[section as SectionName]?.[index];
    if (!task) throw new ConfigError(`no task ${index} for ${section} in the manifest`, { file: String(args.flags.manifest), key: "index" });
    return [await runTask(task, log)];
  }
  if (!args.flags.config || !section || !Number.isInteger(index) || index < 0) {
    throw new ConfigError("task needs -c <dataset.yaml> -s <section> --index <i>", { fix: "scembed task -c dataset.yaml -s embedding_cpu --index 0" });
  }
  if (!(SECTION_NAMES as readonly string[]).includes(section)) throw new ConfigError(`unknown section '${section}'`, { key: "section", fix: `use one of: ${SECTION_NAMES.join(", ")}` });
  const { config } = loadConfig(String(args.flags.config), args.overrides);
  const tasks = planSection(config, section as SectionName);
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
