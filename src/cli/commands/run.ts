/** `scembed run` (whole workflow) and `scembed task` (one planned task, as an array job runs it). */
import { ConfigError } from "../../errors.ts";
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
  if (executor !== "local") {
    throw new ConfigError(`executor '${executor}' is not available in this version`, { key: "executor", fix: "use --executor local" });
  }
  const { config } = loadConfig(String(args.flags.config), args.overrides);
  const report = await runWorkflow(config, localExecutor({ workers: intFlag(args.flags.workers, "workers"), quiet: Boolean(args.flags.quiet) }), log);
  return report.phases.flatMap((p) => p.reports);
}

export async function taskCommand(args: ParsedArgs, log: Logger): Promise<FileReport[]> {
  const section = args.flags.section as string | undefined;
  const index = Number(args.flags.index);
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
