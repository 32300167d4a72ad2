/** The dataset config of a command: `-c <file>` with its overrides, its warnings logged. */
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { loadConfig, type LoadedConfig } from "../pipeline/config-load.ts";
import type { Config } from "../pipeline/config-schema.ts";
import type { ParsedArgs } from "./args.ts";

export function withWarnings(loaded: LoadedConfig, log: Logger): Config {
  for (const w of loaded.warnings) log.warn(`config: ${w}`);
  return loaded.config;
}

export function configOf(args: ParsedArgs, log: Logger, usage: string): Config {
  if (!args.flags.config) throw new ConfigError("missing -c <dataset.yaml>", { fix: usage });
  return withWarnings(loadConfig(String(args.flags.config), args.overrides), log);
}
