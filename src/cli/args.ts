/** argv → a command name, typed flags and Hydra overrides. No I/O here. */
import { parseArgs } from "node:util";
import { ConfigError, isOverride } from "../index.ts";

export interface ParsedArgs {
  command: string;
  flags: Record<string, string | boolean | undefined>;
  positionals: string[];
  overrides: string[];
}

const OPTIONS = {
  config: { type: "string", short: "c" },
  section: { type: "string", short: "s" },
  input: { type: "string", short: "i" },
  output: { type: "string", short: "o" },
  methods: { type: "string", short: "m" },
  overwrite: { type: "boolean" },
  "chunk-rows": { type: "string" },
  "x-is": { type: "string" },
  executor: { type: "string" },
  workers: { type: "string", short: "w" },
  index: { type: "string" },
  json: { type: "boolean" },
  manifest: { type: "string" },
  "workflow-dir": { type: "string" },
  "dry-run": { type: "boolean" },
  resume: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  "log-format": { type: "string" },
  source: { type: "string" },
  out: { type: "string" },
  "batch-key": { type: "string" },
  "label-key": { type: "string" },
  "max-cells": { type: "string" },
  seed: { type: "string" },
  keys: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

export function parseCommandLine(argv: readonly string[]): ParsedArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new ConfigError((err as Error).message, { fix: "run `scembed --help` for the options" });
  }
  const [command = "", ...rest] = parsed.positionals;
  const overrides = rest.filter(isOverride);
  const positionals = rest.filter((a) => !isOverride(a));
  return { command, flags: parsed.values as ParsedArgs["flags"], positionals, overrides };
}

export function intFlag(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new ConfigError(`--${name} must be a positive integer, got '${value}'`, { key: name });
  return n;
}

export const USAGE = `scembed — add per-cell embeddings (obsm/X_<method>) to AnnData chunk files

usage:
  scembed embed --input <file.zarr|h5ad> --output <out.zarr> --methods gs,gs10k [--overwrite] [--chunk-rows N] [--x-is auto|lognorm|counts] [++key=value …]
  scembed embed -c <dataset.yaml> -s <embedding_cpu|embedding_gpu|embedding_preparation> [overrides…]
  scembed prepare -c <dataset.yaml> [overrides…]
  scembed run -c <dataset.yaml> [--executor local|slurm] [--workers N] [--workflow-dir D] [--dry-run] [--resume] [overrides…]
  scembed task -c <dataset.yaml> -s <section> --index <i> [overrides…]   (or --manifest <D>/manifest.json)
  scembed status <workflow dir> [--json] [--source auto|scontrol|sacct]
  scembed inspect <file> [--json]
  scembed report <out.zarr|h5ad …> | -c <dataset.yaml> [-s section] [--batch-key K] [--label-key K]
                 [--max-cells 50000] [--seed 0] [--keys X_pca,…] [--out report.html]
                                                (QC page: sanity, UMAP, scIB metrics; + report.json)
  scembed gpu                                   (which CUDA libraries and GPUs the CUDA device finds)
  scembed demo

logging: --quiet (warnings and errors only), --log-format text|json (json: one object a line:
  time, level, task, file, method, phase, cellsDone, cellsTotal, message)
overrides (Hydra style): a.b=value  +a.b=value  ++a.b=value  ~a.b
exit codes: 0 ok, 1 a task failed, 2 bad usage or config`;
