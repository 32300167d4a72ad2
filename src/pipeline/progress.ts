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
  /** once aborted, the pass's counts stand still: a block the interrupted methods never finished is not done */
  signal?: AbortSignal;
}

const scope = new AsyncLocalStorage<Scope>();

export function withTaskLogger<T>(scoped: Scope, fn: () => Promise<T>): Promise<T> {
  return scope.run(scoped, fn);
}

export function createProgress(file: string, total: number): Progress {
  const s = scope.getStore();
  const progress = (s?.log ?? createLogger()).progress("embed", total, {
    file,
    ...(s?.methods.length ? { method: s.methods.join(",") } : {}),
  });
  const signal = s?.signal;
  return signal
    ? { update: (done) => signal.aborted || progress.update(done), finish: () => progress.finish() }
    : progress;
}
