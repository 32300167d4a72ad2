/** `scembed embed` / `scembed prepare`: one file from flags, or a config section's files, in this process. */
import { ConfigError } from "../../errors.ts";
import type { Logger } from "../../logger.ts";
import { parseConfig, sectionName } from "../../pipeline/config-load.ts";
import { applyOverrides } from "../../pipeline/overrides.ts";
import { singleFileLayout } from "../../pipeline/paths.ts";
import { planSection, type Task } from "../../pipeline/plan.ts";
import type { FileReport } from "../../pipeline/report.ts";
import { runTask } from "../../pipeline/run-task.ts";
import { intFlag, type ParsedArgs } from "../args.ts";
import { configOf, withWarnings } from "../config-file.ts";

export async function embedCommand(args: ParsedArgs, log: Logger, prepareOnly = false): Promise<FileReport[]> {
  const tasks = args.flags.config ? tasksFromConfig(args, log, prepareOnly) : tasksFromFlags(args, log, prepareOnly);
  const reports: FileReport[] = [];
  for (const task of tasks) reports.push(await runTask(task, log, process.stderr.isTTY === true && !args.flags.quiet));
  return reports;
}

function tasksFromConfig(args: ParsedArgs, log: Logger, prepareOnly: boolean): Task[] {
  const config = configOf(args, log, "scembed embed -c dataset.yaml -s embedding_cpu");
  const named = (args.flags.section as string | undefined) ?? config.embedding_config_section ?? (prepareOnly ? "embedding_preparation" : undefined);
  if (!named) throw new ConfigError("no section given", { key: "section", fix: "pass -s embedding_cpu|embedding_gpu|embedding_preparation" });
  return planSection(config, sectionName(named), { prepareOnly });
}

/** The flags as an embedding_cpu section over one file, planned like any other. */
function tasksFromFlags(args: ParsedArgs, log: Logger, prepareOnly: boolean): Task[] {
  const { input, output, methods } = args.flags;
  const missing = [!input && "--input", !output && !prepareOnly && "--output", !methods && "--methods"].filter(Boolean);
  if (missing.length) throw new ConfigError(`missing ${missing.join(", ")}`, { fix: "scembed embed --input <file> --output <out.zarr> --methods gs,gs10k  (or -c <dataset.yaml> -s <section>)" });
  const section: Record<string, unknown> = { methods: String(methods).split(",").map((m) => m.trim()).filter(Boolean) };
  if (args.flags.overwrite) section["overwrite"] = true;
  const chunkRows = intFlag(args.flags["chunk-rows"], "chunk-rows");
  if (chunkRows) section["chunk_rows"] = chunkRows;
  if (args.flags["x-is"]) section["x_is"] = args.flags["x-is"];
  const config = withWarnings(parseConfig({ embedding_cpu: applyOverrides(section, args.overrides) }, undefined, {}), log);
  return planSection(config, "embedding_cpu", { layout: singleFileLayout(String(input), String(output ?? input)), prepareOnly });
}
