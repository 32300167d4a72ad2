/**
 * `--log-format text|json` for the commands that log. main.ts makes its logger from --quiet
 * alone; a command given --log-format makes its own, and sets SCEMBED_LOG_FORMAT so that the
 * processes it starts (local workers) log the same way.
 */
import { ConfigError, createLogger, type Logger } from "../../index.ts";
import type { ParsedArgs } from "../args.ts";

export function commandLogger(args: ParsedArgs, log: Logger): Logger {
  const format = args.flags["log-format"];
  if (format === undefined) return log;
  if (format !== "text" && format !== "json")
    throw new ConfigError(`--log-format takes text or json, got '${format}'`, { key: "log-format" });
  process.env["SCEMBED_LOG_FORMAT"] = format;
  return createLogger({ quiet: Boolean(args.flags.quiet), format });
}
