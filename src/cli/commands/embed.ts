/** `scembed embed` / `scembed prepare`: one file from flags, or a config section's files, in this process. */
import {
  applyOverrides,
  ConfigError,
  FILE_TASK_LABEL,
  planFile,
  planSection,
  runTask,
  sectionName,
  type FileReport,
  type Logger,
  type Task,
  type XIs,
} from "../../index.ts";
import { intFlag, type ParsedArgs } from "../args.ts";
import { configOf } from "../config-file.ts";
import { commandLogger } from "./log-options.ts";

export async function embedCommand(args: ParsedArgs, parent: Logger, prepareOnly = false): Promise<FileReport[]> {
  const log = commandLogger(args, parent);
  const fromFlags = !args.flags.config;
  const tasks = fromFlags ? tasksFromFlags(args, log, prepareOnly) : tasksFromConfig(args, log, prepareOnly);
  const reports: FileReport[] = [];
  // a file from the command line is no config section: its lines say `embed`, not `embedding_cpu#0`
  for (const task of tasks) reports.push(await runTask(task, log, fromFlags ? { label: FILE_TASK_LABEL } : {}));
  return reports;
}

function tasksFromConfig(args: ParsedArgs, log: Logger, prepareOnly: boolean): Task[] {
  const config = configOf(args, log, "scembed embed -c dataset.yaml -s embedding_cpu");
  const named =
    (args.flags.section as string | undefined) ??
    config.embedding_config_section ??
    (prepareOnly ? "embedding_preparation" : undefined);
  if (!named)
    throw new ConfigError("no section given", {
      key: "section",
      fix: "pass -s embedding_cpu|embedding_gpu|embedding_preparation",
    });
  return planSection(config, sectionName(named), { prepareOnly });
}

/** The flags as one file's options, planned like any other section. */
function tasksFromFlags(args: ParsedArgs, log: Logger, prepareOnly: boolean): Task[] {
  const { input, output, methods } = args.flags;
  const missing = [!input && "--input", !output && !prepareOnly && "--output", !methods && "--methods"].filter(Boolean);
  if (missing.length)
    throw new ConfigError(`missing ${missing.join(", ")}`, {
      fix: "scembed embed --input <file> --output <out.zarr> --methods gs,gs10k  (or -c <dataset.yaml> -s <section>)",
    });
  const section = applyOverrides({}, args.overrides);
  return [
    planFile(
      {
        input: String(input),
        output: output === undefined ? undefined : String(output),
        methods: String(methods)
          .split(",")
          .map((m) => m.trim())
          .filter(Boolean),
        overwrite: Boolean(args.flags.overwrite),
        chunkRows: intFlag(args.flags["chunk-rows"], "chunk-rows"),
        xIs: args.flags["x-is"] as XIs | undefined,
        section,
        prepareOnly,
      },
      log,
    ),
  ];
}
