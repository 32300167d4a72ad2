/**
 * Log lines on stderr, optionally copied to a per-file log: plain timestamped text, or one JSON
 * object a line (`format: "json"`, for log shippers). Lines carry fields (task, file, method,
 * phase): JSON writes them as keys, text as the logger's [prefix]. `progress` reports a long
 * phase in cells (src/log-progress.ts): a redrawn bar on a terminal, throttled lines elsewhere.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { LogFields } from "./log-fields.ts";
import { startProgress, type Progress, type ProgressShared } from "./log-progress.ts";

export type { LogFields } from "./log-fields.ts";
export type { Progress } from "./log-progress.ts";

export type Level = "info" | "warn" | "error";
export type LogFormat = "text" | "json";

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** a logger whose lines also go to `file` and carry `prefix` (text) and `fields` (JSON) */
  child(prefix: string, file?: string, fields?: LogFields): Logger;
  /** reports a long phase of `total` cells until `finish()`; `note` is added to its text (see src/log-progress.ts) */
  progress(phase: string, total: number, fields?: LogFields, note?: string): Progress;
  /** cells done in the innermost phase now reporting (work inside one of its steps); ignored when none */
  progressTo(done: number): void;
}

export interface LoggerOptions {
  /** no info lines and no progress on stderr (the per-file log keeps them) */
  quiet?: boolean;
  /** `text` (default) or `json`; unset: SCEMBED_LOG_FORMAT, else text */
  format?: LogFormat;
  /** where lines go; stderr by default */
  sink?: (line: string) => void;
  /**
   * where progress bars are redrawn in place; false: progress as lines. Default: stderr when it is
   * a terminal, no sink is given and this is no forked worker (siblings share the terminal).
   */
  terminal?: NodeJS.WritableStream | false;
  /** the longest silence of a progress report on a non-terminal (default 30 s) */
  progressIntervalMs?: number;
}

function formatFromEnv(value: string | undefined): LogFormat {
  return value === "json" ? "json" : "text";
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const format = opts.format ?? formatFromEnv(process.env["SCEMBED_LOG_FORMAT"]);
  const sink = opts.sink ?? ((line: string) => process.stderr.write(line + "\n"));
  const terminal =
    opts.terminal ??
    (opts.sink === undefined && process.stderr.isTTY === true && process.send === undefined ? process.stderr : false);
  const shared: ProgressShared = {
    stack: [],
    bar: terminal && format === "text" && !opts.quiet ? terminal : undefined,
    intervalMs: opts.progressIntervalMs ?? 30_000,
  };
  return familyLogger({ format, sink, quiet: opts.quiet === true, shared }, "", undefined, {});
}

interface Family {
  format: LogFormat;
  sink: (line: string) => void;
  quiet: boolean;
  shared: ProgressShared;
}

function familyLogger(fam: Family, prefix: string, file: string | undefined, base: LogFields): Logger {
  if (file) mkdirSync(dirname(file), { recursive: true });
  const emit = (level: Level, msg: string, fields: LogFields = {}, toSink = true) => {
    const all = { ...base, ...fields };
    const line = fam.format === "json" ? jsonLine(level, msg, all) : textLine(level, msg, prefix);
    if (toSink && (!fam.quiet || level !== "info")) {
      fam.shared.bar?.write("\r\x1b[K"); // a line printed over a progress bar starts on a clean line
      fam.sink(line);
    }
    if (file) appendFileSync(file, line + "\n");
  };
  const log: Logger = {
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (p, f, fields) => familyLogger(fam, p, f ?? file, { ...base, ...fields }),
    progress: (phase, total, fields, note) =>
      startProgress(fam.shared, { ...fields, phase }, total, note, (msg, f, toSink) => emit("info", msg, f, toSink)),
    progressTo: (done) => fam.shared.stack.at(-1)?.update(done),
  };
  return log;
}

function textLine(level: Level, msg: string, prefix: string): string {
  return `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${prefix ? `[${prefix}] ` : ""}${msg}`;
}

function jsonLine(level: Level, msg: string, f: LogFields): string {
  return JSON.stringify({
    time: new Date().toISOString(),
    level,
    task: f.task ?? null,
    file: f.file ?? null,
    method: f.method ?? null,
    phase: f.phase ?? null,
    cellsDone: f.cellsDone ?? null,
    cellsTotal: f.cellsTotal ?? null,
    ...(f.cellsPerSecond === undefined ? {} : { cellsPerSecond: f.cellsPerSecond }),
    ...(f.etaSeconds === undefined ? {} : { etaSeconds: f.etaSeconds }),
    message: msg,
  });
}

/** A logger that keeps its lines, for tests and for reports. */
export function memoryLogger(opts: Omit<LoggerOptions, "sink"> = {}): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ ...opts, sink: (l) => lines.push(l) });
  return Object.assign(log, { lines });
}
