/**
 * The default executor: a pool of worker processes on this machine, one task (chunk file) at a
 * time each; the preparation section first, then the CPU and GPU sections together. A worker that
 * dies fails only its task. Tasks of the embedding_gpu section get a pool
 * of their own with one worker per visible GPU, each pinned to it through CUDA_VISIBLE_DEVICES
 * (without GPUs they share the general pool), running alongside the CPU tasks. `stop` (on SIGINT or
 * SIGTERM) starts no more tasks, passes the signal on to the workers (which remove their temp
 * entries and end), waits for them, at most `stopGraceMs`, then kills what is left: no orphan
 * keeps computing.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { visibleGpus } from "../gpu/visible-gpus.ts";
import { InterruptedError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Task } from "../pipeline/plan.ts";
import { failedReport, type FileReport } from "../pipeline/report.ts";
import type { Executor } from "../pipeline/workflow.ts";
import type { FromWorker, ToWorker } from "./worker-protocol.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = fileURLToPath(new URL(`./worker-main${EXT}`, import.meta.url));

export interface LocalOptions {
  workers?: number;
  quiet?: boolean;
  /** how long `stop` waits for the workers before SIGKILL (default 30 s) */
  stopGraceMs?: number;
}

type StopSignal = "SIGINT" | "SIGTERM";

/** The worker processes of one executor, and whether it is stopping. */
interface Workers {
  live: Set<ChildProcess>;
  stopping?: StopSignal;
}

export function localExecutor(opts: LocalOptions = {}): Executor {
  const workers: Workers = { live: new Set() };
  const runPhase = async (name: string, tasks: Task[], log: Logger): Promise<FileReport[]> => {
    if (tasks.length === 0 || workers.stopping) return [];
    log.info(`${name}: ${tasks.length} task(s) on local`);
    return runTasks(tasks, log, opts, workers);
  };
  return {
    name: "local",
    async run({ sections }, log) {
      const prepared = await runPhase("preparation", sections.embedding_preparation ?? [], log);
      const embedded = await runPhase(
        "embedding",
        [...(sections.embedding_cpu ?? []), ...(sections.embedding_gpu ?? [])],
        log,
      );
      if (workers.stopping) throw new InterruptedError(workers.stopping);
      return { reports: [...prepared, ...embedded] };
    },
    stop: (signal) => stopWorkers(workers, signal, opts.stopGraceMs ?? 30_000),
  };
}

/** Passes the signal on, waits for the workers at most `graceMs`, then kills the rest; a second stop kills at once. */
async function stopWorkers(workers: Workers, signal: StopSignal, graceMs: number): Promise<void> {
  const again = workers.stopping !== undefined;
  workers.stopping ??= signal;
  const ended = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  const all = () =>
    Promise.all([...workers.live].map((c) => (ended(c) ? undefined : new Promise((r) => c.once("exit", r)))));
  for (const c of workers.live) if (!ended(c)) c.kill(again ? "SIGKILL" : signal);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all(), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
  clearTimeout(timer);
  for (const c of workers.live) if (!ended(c)) c.kill("SIGKILL");
  await all();
}

/** One report per task, in task order: the GPU section's tasks on one worker per GPU, the rest on the general pool. */
async function runTasks(tasks: Task[], log: Logger, opts: LocalOptions, workers: Workers): Promise<FileReport[]> {
  const quiet = opts.quiet ?? false;
  const reports: FileReport[] = new Array(tasks.length);
  const all = tasks.map((t, i) => ({ t, i }));
  const isGpu = (t: Task) => t.section === "embedding_gpu" && !t.settings.prepareOnly;
  const gpus = all.some(({ t }) => isGpu(t)) ? visibleGpus() : [];
  const gpuTasks = gpus.length > 0 ? all.filter(({ t }) => isGpu(t)) : [];
  const cpuTasks = gpus.length > 0 ? all.filter(({ t }) => !isGpu(t)) : all;
  const cpuWorkers = Math.max(1, Math.min(cpuTasks.length, opts.workers ?? availableParallelism()));
  const gpuSlots = gpus.slice(0, Math.max(1, Math.min(gpuTasks.length, opts.workers ?? gpus.length)));
  if (gpuTasks.length > 0)
    log.info(`GPU section: ${gpuSlots.length} worker(s), one per GPU (CUDA_VISIBLE_DEVICES ${gpuSlots.join(", ")})`);
  await Promise.all([
    runPool(
      cpuTasks,
      cpuTasks.length > 0 ? Array.from({ length: cpuWorkers }, () => ({})) : [],
      reports,
      log,
      quiet,
      workers,
    ),
    runPool(
      gpuTasks,
      gpuSlots.map((id) => ({ CUDA_VISIBLE_DEVICES: id, SCEMBED_GPU_WORKER: id })),
      reports,
      log,
      quiet,
      workers,
    ),
  ]);
  return reports;
}

/** runs `tasks` on one worker slot per entry of `slots` (extra environment for its processes) */
async function runPool(
  tasks: { t: Task; i: number }[],
  slots: Record<string, string>[],
  reports: FileReport[],
  log: Logger,
  quiet: boolean,
  workers: Workers,
): Promise<void> {
  let next = 0;
  const loop = async (env: Record<string, string>) => {
    while (next < tasks.length && !workers.stopping) {
      const { t, i } = tasks[next++]!;
      reports[i] = await runInWorker(t, env, log, quiet, workers);
    }
  };
  await Promise.all(slots.map(loop));
}

function runInWorker(
  task: Task,
  env: Record<string, string>,
  log: Logger,
  quiet: boolean,
  workers: Workers,
): Promise<FileReport> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [], {
      env: { ...process.env, ...env, SCEMBED_QUIET: quiet ? "1" : "0" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    workers.live.add(child);
    child.once("exit", () => workers.live.delete(child));
    let settled = false;
    const finish = (report: FileReport) => {
      if (settled) return;
      settled = true;
      resolve(report);
    };
    child.on("message", (msg: FromWorker) => {
      if (msg.type === "ready") child.send({ type: "task", task } satisfies ToWorker);
      if (msg.type === "done") {
        child.send({ type: "exit" } satisfies ToWorker);
        finish(msg.report as FileReport);
      }
    });
    child.on("exit", (code, signal) => {
      if (settled) return;
      if (workers.stopping) return finish(failedReport(task, task.settings.methods, `stopped by ${workers.stopping}`));
      const detail = `worker process ended (${signal ?? `exit code ${code}`}) before finishing`;
      log.error(`${task.input}: ${detail}`);
      finish(failedReport(task, task.settings.methods, detail));
    });
  });
}
