/**
 * The embedding pass's progress. `runTask` runs a file inside `withTaskLogger`, so the pass's
 * `createProgress` reports through the task's logger (its task label, format, quiet, per-file
 * log) as the phase `embed` of the methods it runs. Outside a task: a plain stderr logger.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { createLogger, type Logger, type Progress } from "../logger.ts";

export type { Progress } from "../logger.ts";

interface Scope {
  log: Logger;
  methods: readonly string[];
}

const scope = new AsyncLocalStorage<Scope>();

export function withTaskLogger<T>(log: Logger, methods: readonly string[], fn: () => Promise<T>): Promise<T> {
  return scope.run({ log, methods }, fn);
}

export function createProgress(file: string, total: number): Progress {
  const s = scope.getStore();
  return (s?.log ?? createLogger()).progress("embed", total, { file, ...(s?.methods.length ? { method: s.methods.join(",") } : {}) });
}
