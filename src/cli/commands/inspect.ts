/** `scembed inspect <file> [--json]`. */
import { ConfigError, formatInspection, inspectFile } from "../../index.ts";
import type { ParsedArgs } from "../args.ts";

export async function inspectCommand(args: ParsedArgs, out: (text: string) => void): Promise<void> {
  const file = args.positionals[0];
  if (!file) throw new ConfigError("missing <file>", { fix: "scembed inspect <file.zarr|h5ad> [--json]" });
  const result = await inspectFile(file);
  out(args.flags.json ? JSON.stringify(result, null, 2) : formatInspection(result));
}
