/** What runs tasks: here in worker processes (local), later as SLURM array jobs. */
import type { FileReport } from "../pipeline/embed-file.ts";
import type { Logger } from "../pipeline/logger.ts";
import type { Task } from "../pipeline/plan.ts";

export interface Executor {
  readonly name: string;
  /** Runs every task; resolves with one report per task, failures included, never throws for a task. */
  run(tasks: Task[], log: Logger): Promise<FileReport[]>;
}
