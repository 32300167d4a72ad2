/** `scembed embed`: one file from flags, or a config section's files, in this process. */
import { dirname, join, resolve } from "node:path";
import { ConfigError } from "../../errors.ts";
import { parseConfig, loadConfig } from "../../pipeline/config-load.ts";
import { SECTION_NAMES, type SectionName } from "../../pipeline/config-schema.ts";
import type { FileReport } from "../../pipeline/embed-file.ts";
import type { Logger } from "../../pipeline/logger.ts";
import { applyOverrides } from "../../pipeline/overrides.ts";
import { planSection, type Task } from "../../pipeline/plan.ts";
import { runTask } from "../../pipeline/run-task.ts";
import { intFlag, type ParsedArgs } from "../args.ts";

export async function embedCommand(args: ParsedArgs, log: Logger, prepareOnly = false): Promise<FileReport[]> {
  const tasks = args.flags.config ? tasksFromConfig(args, prepareOnly) : tasksFromFlags(args, prepareOnly);
  const reports: FileReport[] = [];
  for (const task of tasks) reports.push(await runTask(task, log, process.stderr.isTTY === true && !args.flags.quiet));
  return reports;
}

function tasksFromConfig(args: ParsedArgs, prepareOnly: boolean): Task[] {
  const { config } = loadConfig(String(args.flags.config), args.overrides);
  const named = (args.flags.section as string | undefined) ?? (config["embedding_config_section"] as string | undefined) ?? (prepareOnly ? "embedding_preparation" : undefined);
  if (!named) throw new ConfigError("no section given", { key: "section", fix: `pass -s ${SECTION_NAMES.join("|")}` });
  if (!(SECTION_NAMES as readonly string[]).includes(named)) throw new ConfigError(`unknown section '${named}'`, { key: "section", fix: `use one of: ${SECTION_NAMES.join(", ")}` });
  return planSection(config, named as SectionName).map((t) => ({ ...t, prepareOnly: t.prepareOnly || prepareOnly }));
}

function tasksFromFlags(args: ParsedArgs, prepareOnly: boolean): Task[] {
  const { input, output, methods } = args.flags;
  const missing = [!input && "--input", !output && !prepareOnly && "--output", !methods && "--methods"].filter(Boolean);
  if (missing.length) throw new ConfigError(`missing ${missing.join(", ")}`, { fix: "scembed embed --input <file> --output <out.zarr> --methods gs,gs10k  (or -c <dataset.yaml> -s <section>)" });
  const section: Record<string, unknown> = {
    methods: String(methods).split(",").map((m) => m.trim()).filter(Boolean),
    input_files: [resolve(String(input))],
    output_dir: "/",
  };
  if (args.flags.overwrite) section["overwrite"] = true;
  const chunkRows = intFlag(args.flags["chunk-rows"], "chunk-rows");
  if (chunkRows) section["chunk_rows"] = chunkRows;
  if (args.flags["x-is"]) section["x_is"] = args.flags["x-is"];
  const withOverrides = applyOverrides(section, args.overrides);
  const { config } = parseConfig({ embedding_cpu: withOverrides }, undefined, {});
  const [task] = planSection(config, "embedding_cpu");
  const out = resolve(String(output ?? input));
  const cacheDir = typeof withOverrides["cache_dir"] === "string" ? resolve(withOverrides["cache_dir"] as string) : join(dirname(out), ".scembed-cache");
  return [{ ...task!, output: out, logFile: undefined, prepareOnly, cacheDir }];
}
