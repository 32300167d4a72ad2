/** `scembed report`: the QC page of output files (or of a dataset config's outputs). */
import { resolve } from "node:path";
import { buildReport, configOutputs, ConfigError, packageVersion, writeReport, type Logger } from "../../index.ts";
import { intFlag, type ParsedArgs } from "../args.ts";
import { configOf } from "../config-file.ts";
import { commandLogger } from "./log-options.ts";

export async function reportCommand(args: ParsedArgs, parent: Logger, out: (line: string) => void): Promise<void> {
  const log = commandLogger(args, parent);
  let inputs = args.positionals.map((p) => resolve(p));
  let batchKey = args.flags["batch-key"] as string | undefined;
  if (args.flags.config) {
    if (inputs.length > 0) throw new ConfigError("pass output files or -c <dataset.yaml>, not both", { key: "config" });
    const found = configOutputs(
      configOf(args, log, "scembed report -c dataset.yaml"),
      args.flags.section as string | undefined,
    );
    if (found.missing.length > 0)
      log.warn(`${found.missing.length} planned output(s) not written yet, left out: ${found.missing[0]} …`);
    inputs = found.outputs;
    batchKey ??= found.batchKey ?? undefined;
  }
  if (inputs.length === 0)
    throw new ConfigError("no files to report on", {
      fix: "scembed report <out.zarr …> [--batch-key K] [--label-key K] --out report.html",
    });
  const html = resolve(String(args.flags.out ?? "report.html"));
  const data = await buildReport({
    inputs,
    ...(batchKey ? { batchKey } : {}),
    ...(args.flags["label-key"] ? { labelKey: String(args.flags["label-key"]) } : {}),
    maxCells: intFlag(args.flags["max-cells"], "max-cells") ?? 50_000,
    seed: seedFlag(args.flags.seed),
    ...(args.flags.keys
      ? {
          keys: String(args.flags.keys)
            .split(",")
            .map((k) => k.trim())
            .filter(Boolean),
        }
      : {}),
    workDir: resolve(html, ".."),
    version: packageVersion(),
    log,
  });
  const written = await writeReport(data, html);
  out(`report: ${written.html}\n        ${written.json}`);
}

function seedFlag(value: string | boolean | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`--seed must be a whole number ≥ 0, got '${value}'`, { key: "seed" });
  return n;
}
