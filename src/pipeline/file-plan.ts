/**
 * One file without a dataset config: the options become an embedding_cpu section over that file,
 * planned like any other section (the same validation, settings and task).
 */
import type { Logger } from "../logger.ts";
import { parseConfig } from "./config-load.ts";
import type { XIs } from "./expression-source.ts";
import { singleFileLayout } from "./paths.ts";
import { planSection, type Task } from "./plan.ts";
import type { FileReport } from "./report.ts";
import { runTask } from "./run-task.ts";

export interface FileOptions {
  input: string;
  /** the output zarr store; for `prepareOnly`, may be left out */
  output?: string;
  methods: readonly string[];
  overwrite?: boolean;
  chunkRows?: number;
  xIs?: XIs;
  /** further section keys, as in a config file (`init_kwargs`, `embedding_dim_map`, `hvg: {...}`, …) */
  section?: Record<string, unknown>;
  prepareOnly?: boolean;
}

/** The task that embeds one file; config warnings go to `log`, config errors are thrown. */
export function planFile(opts: FileOptions, log: Logger): Task {
  const section: Record<string, unknown> = { ...opts.section, methods: [...opts.methods] };
  if (opts.overwrite) section["overwrite"] = true;
  if (opts.chunkRows !== undefined) section["chunk_rows"] = opts.chunkRows;
  if (opts.xIs !== undefined) section["x_is"] = opts.xIs;
  const loaded = parseConfig({ embedding_cpu: section }, undefined, {});
  for (const w of loaded.warnings) log.warn(`config: ${w}`);
  const layout = singleFileLayout(opts.input, opts.output ?? opts.input);
  return planSection(loaded.config, "embedding_cpu", { layout, prepareOnly: opts.prepareOnly ?? false })[0]!;
}

/** Embeds one file in this process and reports what each method did (a failure is reported, not thrown). */
export async function embedOneFile(opts: FileOptions, log: Logger): Promise<FileReport> {
  return runTask(planFile(opts, log), log, { label: FILE_TASK_LABEL });
}

/** How a file given on the command line (not a config section) names itself in logs and reports. */
export const FILE_TASK_LABEL = "embed";
