/**
 * The default executor: a pool of worker processes on this machine, one task (chunk file) at a
 * time each. A worker that dies fails only its task.
 */
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { FileReport } from "../pipeline/embed-file.ts";
import { obsmKey } from "../pipeline/embed-file.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { Task } from "../pipeline/plan.ts";
import type { Executor } from "./executor.ts";
import type { FromWorker, ToWorker } from "./worker-protocol.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = fileURLToPath(new URL(`./worker-main${EXT}`, import.meta.url));

export interface LocalOptions {
  workers?: number;
  quiet?: boolean;
}

export function localExecutor(opts: LocalOptions = {}): Executor {
  return {
    name: "local",
    run: (tasks, log) => runPool(tasks, Math.max(1, Math.min(tasks.length, opts.workers ?? availableParallelism())), log, opts.quiet ?? false),
  };
}

async function runPool(tasks: Task[], workers: number, log: Logger, quiet: boolean): Promise<FileReport[]> {
  const reports: FileReport[] = new Array(tasks.length);
  let next = 0;
  const order = tasks.map((t, i) => ({ t, i }));
  const loop = async () => {
    while (next < order.length) {
      const { t, i } = order[next++]!;
      reports[i] = await runInWorker(t, log, quiet);
    }
  };
  await Promise.all(Array.from({ length: workers }, loop));
  return reports;
}

function runInWorker(task: Task, log: Logger, quiet: boolean): Promise<FileReport> {
  return new Promise((resolve) => {
    const child: ChildProcess = fork(WORKER, [], {
      env: { ...process.env, SCEMBED_QUIET: quiet ? "1" : "0" },
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
      finish({ input: task.input, output: task.output, nObs: 0, results: task.methods.map((m) => ({ method: m, key: obsmKey(m), status: "failed", detail })) });
    });
  });
}
