/**
 * The default executor: a pool of worker processes on this machine, one task (chunk file) at a
 * time each; the preparation section first, then the CPU and GPU sections together. A worker that
 * dies fails only its task. Tasks of the embedding_gpu section get a pool
 * of their own with one worker per visible GPU, each pinned to it through CUDA_VISIBLE_DEVICES
 * (without GPUs they share the general pool), running alongside the CPU tasks.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { visibleGpus } from "../gpu/visible-gpus.ts";
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
}

export function localExecutor(opts: LocalOptions = {}): Executor {
  const runPhase = async (name: string, tasks: Task[], log: Logger): Promise<FileReport[]> => {
    if (tasks.length === 0) return [];
    log.info(`${name}: ${tasks.length} task(s) on local`);
    return runTasks(tasks, log, opts);
  };
  return {
    name: "local",
    async run({ sections }, log) {
      const prepared = await runPhase("preparation", sections.embedding_preparation ?? [], log);
      const embedded = await runPhase("embedding", [...(sections.embedding_cpu ?? []), ...(sections.embedding_gpu ?? [])], log);
      return { reports: [...prepared, ...embedded] };
    },
  };
}

/** One report per task, in task order: the GPU section's tasks on one worker per GPU, the rest on the general pool. */
async function runTasks(tasks: Task[], log: Logger, opts: LocalOptions): Promise<FileReport[]> {
  const quiet = opts.quiet ?? false;
  const reports: FileReport[] = new Array(tasks.length);
  const all = tasks.map((t, i) => ({ t, i }));
  const isGpu = (t: Task) => t.section === "embedding_gpu" && !t.settings.prepareOnly;
  const gpus = all.some(({ t }) => isGpu(t)) ? visibleGpus() : [];
  const gpuTasks = gpus.length > 0 ? all.filter(({ t }) => isGpu(t)) : [];
  const cpuTasks = gpus.length > 0 ? all.filter(({ t }) => !isGpu(t)) : all;
  const cpuWorkers = Math.max(1, Math.min(cpuTasks.length, opts.workers ?? availableParallelism()));
  const gpuSlots = gpus.slice(0, Math.max(1, Math.min(gpuTasks.length, opts.workers ?? gpus.length)));
  if (gpuTasks.length > 0) log.info(`GPU section: ${gpuSlots.length} worker(s), one per GPU (CUDA_VISIBLE_DEVICES ${gpuSlots.join(", ")})`);
  await Promise.all([
    runPool(cpuTasks, cpuTasks.length > 0 ? Array.from({ length: cpuWorkers }, () => ({})) : [], reports, log, quiet),
    runPool(gpuTasks, gpuSlots.map((id) => ({ CUDA_VISIBLE_DEVICES: id, SCEMBED_GPU_WORKER: id })), reports, log, quiet),
  ]);
  return reports;
}

/** runs `tasks` on one worker slot per entry of `slots` (extra environment for its processes) */
async function runPool(tasks: { t: Task; i: number }[], slots: Record<string, string>[], reports: FileReport[], log: Logger, quiet: boolean): Promise<void> {
  let next = 0;
  const loop = async (env: Record<string, string>) => {
    while (next < tasks.length) {
      const { t, i } = tasks[next++]!;
      reports[i] = await runInWorker(t, env, log, quiet);
    }
  };
  await Promise.all(slots.map(loop));
}

function runInWorker(task: Task, env: Record<string, string>, log: Logger, quiet: boolean): Promise<FileReport> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [], {
      env: { ...process.env, ...env, SCEMBED_QUIET: quiet ? "1" : "0" },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
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
      const detail = `worker process ended (${signal ?? `exit code ${code}`}) before finishing`;
      log.error(`${task.input}: ${detail}`);
      finish(failedReport(task, task.settings.methods, detail));
    });
  });
}
