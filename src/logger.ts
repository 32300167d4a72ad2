/** Plain, timestamped log lines on stderr, optionally copied to a per-file log. */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";

export type Level = "info" | "warn" | "error";

export interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** a logger whose lines also go to `file` and carry `prefix` */
  child(prefix: string, file?: string): Logger;
}

export interface LoggerOptions {
  quiet?: boolean;
  /** where lines go; stderr by default */
  sink?: (line: string) => void;
}

export function createLogger(opts: LoggerOptions = {}, prefix = "", file?: string): Logger {
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + "\n"));
  if (file) mkdirSync(dirname(file), { recursive: true });
  const emit = (level: Level, msg: string) => {
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${prefix ? `[${prefix}] ` : ""}${msg}`;
    if (!opts.quiet || level !== "info") sink(line);
    if (file) appendFileSync(file, line + "\n");
  };
  return {
    info: (m) => emit("info", m),
    warn: (m) => emit("warn", m),
    error: (m) => emit("error", m),
    child: (p, f) => createLogger(opts, p, f ?? file),
  };
}

/** A logger that keeps its lines, for tests and for reports. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ sink: (l) => lines.push(l) });
  return Object.assign(log, { lines });
}
