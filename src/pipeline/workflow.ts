/**
 * The whole workflow: every section planned up front, then handed to an executor, which runs the
 * preparation first and the CPU and GPU sections after it (they write different keys of the same
 * output files, which the store lock makes safe).
 */
import type { Logger } from "../logger.ts";
import { SECTION_NAMES, type Config, type SectionName } from "./config-schema.ts";
import { planSection, type Task } from "./plan.ts";
import type { FileReport } from "./report.ts";

export interface WorkflowPlan {
  config: Config;
  /** the planned tasks of each section the config has */
  sections: Partial<Record<SectionName, Task[]>>;
}

export interface WorkflowOutcome {
  /** one report per task run here (none where the executor only submits) */
  reports: FileReport[];
  /** where the executor keeps the workflow's own files, when it has any */
  workflowDir?: string;
  /** what a dry run would do, as text to print */
  plan?: string;
}

/** What runs a workflow: worker processes on this machine, or array jobs on a SLURM cluster. */
export interface Executor {
  readonly name: string;
  /** Runs or submits every task; a failing task is reported, never thrown (an InterruptedError after `stop`). */
  run(plan: WorkflowPlan, log: Logger): Promise<WorkflowOutcome>;
  /** Stops a run on SIGINT/SIGTERM: starts no more tasks, passes the signal on to what runs them, waits for them (bounded) */
  stop?(signal: "SIGINT" | "SIGTERM"): Promise<void>;
}

export function planWorkflow(config: Config): WorkflowPlan {
  const sections: WorkflowPlan["sections"] = {};
  for (const name of SECTION_NAMES) if (config[name]) sections[name] = planSection(config, name);
  return { config, sections };
}
