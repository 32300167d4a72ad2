/**
 * Progress of a long phase in cells, with cells/s and an ETA. On a terminal: a bar redrawn in
 * place (at most 10 times a second), lines only to the per-file log. Elsewhere (SLURM logs, pipes,
 * JSON): a line when the phase starts, at every 10 % (unless the last line is under 2 s old) and
 * at least every `intervalMs` (30 s; a timer covers phases whose steps are slow to come), and a
 * last line with the time and the rate.
 * Phases nest: `Logger.progressTo` moves the innermost one, for work inside one of its steps.
 */
import type { LogFields } from "./log-fields.ts";

export interface Progress {
  /** cells done so far (a count below the last one is ignored) */
  update(done: number): void;
  /** ends the phase with a line saying how long it took */
  finish(): void;
}

/** What the loggers of one family share: the phases now reporting, and the terminal, if bars are drawn. */
export interface ProgressShared {
  stack: Progress[];
  bar?: NodeJS.WritableStream;
  intervalMs: number;
}

/** `toSink` false: the line goes only to the per-file log (the terminal shows the bar). */
export type ProgressEmit = (msg: string, fields: LogFields, toSink: boolean) => void;

const STEP = 0.1;
/** 10 % lines of a fast phase would only be noise: none closer than this to the previous line */
const MIN_GAP_MS = 2_000;
const BAR_WIDTH = 24;

export function startProgress(
  shared: ProgressShared,
  fields: LogFields,
  total: number,
  note: string | undefined,
  emit: ProgressEmit,
): Progress {
  const start = Date.now();
  const label = `${fields.phase}${fields.method ? ` ${fields.method}` : ""}${note ? ` (${note})` : ""}`;
  let done = 0,
    lastLine = start,
    lastDraw = 0,
    next = STEP,
    finished = false;
  const rate = () => done / Math.max(1e-3, (Date.now() - start) / 1000);
  const snapshot = (): LogFields => {
    const r = rate();
    return {
      ...fields,
      cellsDone: done,
      cellsTotal: total,
      cellsPerSecond: roundRate(r),
      ...(r > 0 && done < total ? { etaSeconds: Math.round((total - done) / r) } : {}),
    };
  };
  const counts = () => {
    const r = rate();
    const pct = total > 0 ? ` (${Math.floor((100 * done) / total)} %)` : "";
    const eta = done >= total ? "0s" : r > 0 ? duration((total - done) / r) : "?";
    return `${count(done)}/${count(total)} cells${pct}, ${count(roundRate(r))} cells/s, ETA ${eta}`;
  };
  const line = (toSink: boolean) => {
    lastLine = Date.now();
    emit(`${label}: ${counts()}`, snapshot(), toSink);
  };
  const draw = () => {
    const filled = total > 0 ? Math.round((BAR_WIDTH * done) / total) : 0;
    shared.bar!.write(`\r[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${label}: ${counts()}\x1b[K`);
  };
  const timer = setInterval(
    () => {
      if (Date.now() - lastLine >= shared.intervalMs) line(shared.bar === undefined);
    },
    Math.max(10, Math.min(shared.intervalMs / 2, 5_000)),
  );
  timer.unref();
  const progress: Progress = {
    update(n) {
      if (finished || n <= done) return;
      done = Math.min(n, total);
      const now = Date.now();
      let crossed = false;
      while (total > 0 && done / total >= next) {
        next += STEP;
        crossed = true;
      }
      const due = (crossed && now - lastLine >= MIN_GAP_MS) || now - lastLine >= shared.intervalMs;
      if (shared.bar) {
        if (now - lastDraw >= 100 || done === total) {
          lastDraw = now;
          draw();
        }
        if (due) line(false);
      } else if (due && done < total) line(true);
    },
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      shared.stack.splice(shared.stack.indexOf(progress), 1);
      const seconds = (Date.now() - start) / 1000;
      const how = done >= total ? "done" : `stopped at ${count(done)} of ${count(total)}`;
      emit(
        `${label}: ${how}, ${count(done)} cells in ${duration(seconds)} (${count(roundRate(rate()))} cells/s)`,
        snapshot(),
        true,
      );
    },
  };
  shared.stack.push(progress);
  emit(`${label}: ${count(total)} cells`, { ...fields, cellsDone: 0, cellsTotal: total }, shared.bar === undefined);
  return progress;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** whole cells/s, or two decimals below 10 (a transformer on the CPU does a few a second) */
export function roundRate(r: number): number {
  return r >= 10 ? Math.round(r) : Math.round(r * 100) / 100;
}

/** 4.2s, 42s, 5m 03s, 2h 07m */
export function duration(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
