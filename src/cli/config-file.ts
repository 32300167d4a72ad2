/** The dataset config of a command: `-c <file>` with its overrides, its warnings logged. */
import { ConfigError, loadConfig, type Config, type LoadedConfig, type Logger } from "../index.ts";
import type { ParsedArgs } from "./args.ts";

export function withWarnings(loaded: LoadedConfig, log: Logger): Config {
  for (const w of loaded.warnings) log.warn(`config: ${w}`);
  return loaded.config;
}

export function configOf(args: ParsedArgs, log: Logger, usage: string): Config {
  if (!args.flags.config) throw new ConfigError("missing -c <dataset.yaml>", { fix: usage });
  return withWarnings(loadConfig(String(args.flags.config), args.overrides), log);
}
