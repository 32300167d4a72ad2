/**
 * One task process and the signals that end it early: SLURM sends SIGTERM `signal_grace_s`
 * before the time limit (`--signal=B:TERM@<grace>`) and when it preempts; a terminal sends SIGINT.
 * The work is told through an AbortSignal (its long loops check it between steps: Geneformer's
 * batches, tokenization blocks, dataset scans) and gets `settleMs` to end on its own (a commit
 * under way, the writers of stopped methods aborted); after that the task is reported as it stands:
 * a method whose output is complete on disk counts as written, every other one as "interrupted",
 * and the caller exits, abandoning what still runs. Nothing partial is left at a key either way:
 * an embedding is written to a temp array renamed into place only when whole (the next run removes
 * a dead writer's temp dir). A second signal gets Node's default: the process ends at once.
 */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { InterruptedError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Task } from "../pipeline/plan.ts";
import { obsmKey, type FileReport, type MethodResult } from "../pipeline/report.ts";
import { taskLabel } from "../pipeline/run-task.ts";
import { outputStates } from "./output-state.ts";

export interface Interruption {
  signal: NodeJS.Signals;
  at: string;
}

export interface InterruptibleOptions {
  log: Logger;
  /** how long the work may take to end after the signal (default 3 s: SLURM kills 30 s or less after a time-limit SIGTERM) */
  settleMs?: number;
  signals?: NodeJS.Signals[];
}

/**
 * Runs `work`; on a signal, aborts the signal `work` was given (the task's long loops stop at
 * their next step, and the file loop aborts the writers of the methods they stop) and returns
 * after at most `settleMs` with what it has.
 */
export async function interruptible<T>(
  work: (signal: AbortSignal) => Promise<T>,
  opts: InterruptibleOptions,
): Promise<{ value?: T; interrupted?: Interruption }> {
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  const controller = new AbortController();
  let handler: (signal: NodeJS.Signals) => void = () => {};
  const signalled = new Promise<Interruption>((resolve) => {
    handler = (signal) => {
      for (const s of signals) process.off(s, handler);
      const at = new Date().toISOString();
      opts.log.warn(
        `${signal}: interrupted (SLURM's time limit is near, or the job was preempted); stopping this task`,
      );
      controller.abort(
        new InterruptedError(signal === "SIGINT" ? "SIGINT" : "SIGTERM", `interrupted by ${signal} at ${at}`, {
          fix: "run it again: scembed run … --resume (or the same embed command)",
        }),
      );
      resolve({ signal, at });
    };
  });
  for (const s of signals) process.on(s, handler);
  const running = work(controller.signal).then((value) => ({ value }));
  try {
    const first = await Promise.race([running, signalled.then((interrupted) => ({ interrupted }))]);
    if (!("interrupted" in first)) return first;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      running,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), opts.settleMs ?? 3_000))),
    ]);
    clearTimeout(timer);
    return { ...settled, interrupted: first.interrupted };
  } finally {
    for (const s of signals) process.off(s, handler);
  }
}

/**
 * The report of an interrupted task: results that ended before the signal stay; of the others, a
 * method complete on disk is written, every other one interrupted (not failed: `--resume` runs
 * it again).
 */
export async function interruptedReport(
  task: Task,
  report: FileReport | undefined,
  i: Interruption,
  label = taskLabel(task),
): Promise<FileReport> {
  // what ended before the signal stays, failures included; what the signal stopped is interrupted
  const stopped = (r: MethodResult) =>
    r.status === "interrupted" ||
    (r.status === "failed" && (r.error instanceof InterruptedError || r.error?.name === "AbortError"));
  const kept = new Map((report?.results ?? []).filter((r) => !stopped(r)).map((r) => [r.method, r]));
  const states = task.settings.prepareOnly ? [] : await outputStates(task).catch(() => []);
  const results = task.settings.methods.map((m): MethodResult => {
    const done = kept.get(m);
    if (done) return done;
    if (states.find((s) => s.method === m)?.state === "complete")
      return {
        method: m,
        key: obsmKey(m),
        status: "written",
        detail: "complete on disk (the task was then interrupted)",
      };
    return {
      method: m,
      key: obsmKey(m),
      status: "interrupted",
      detail: `${i.signal} at ${i.at}; run again with --resume`,
    };
  });
  const nObs = report?.nObs || (await cellCount(task.input));
  return {
    input: task.input,
    output: task.output,
    nObs,
    results,
    task: report?.task ?? label,
    ...(report?.seconds ? { seconds: report.seconds } : {}),
  };
}

async function cellCount(path: string): Promise<number> {
  const reader = await AnnDataReader.open(path).catch(() => undefined);
  if (!reader) return 0;
  reader.close();
  return reader.nObs;
}
