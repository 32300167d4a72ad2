/**
 * The whole workflow on one executor: preparation first, then the CPU and GPU sections together
 * (they write different keys of the same output files, which the store lock makes safe).
 */
import type { Executor } from "../executors/executor.ts";
import type { Config } from "./config-schema.ts";
import type { FileReport } from "./embed-file.ts";
import type { Logger } from "./logger.ts";
import { planSection, type Task } from "./plan.ts";

export interface WorkflowReport {
  phases: { name: string; tasks: Task[]; reports: FileReport[] }[];
  failures: number;
}

export async function runWorkflow(config: Config, executor: Executor, log: Logger): Promise<WorkflowReport> {
  const phases: WorkflowReport["phases"] = [];
  const prep = config.embedding_preparation ? planSection(config, "embedding_preparation") : [];
  const embed = [
    ...(config.embedding_cpu ? planSection(config, "embedding_cpu") : []),
    ...(config.embedding_gpu ? planSection(config, "embedding_gpu") : []),
  ];
  if (prep.length > 0) {
    log.info(`preparation: ${prep.length} task(s) on ${executor.name}`);
    phases.push({ name: "preparation", tasks: prep, reports: await executor.run(prep, log) });
  }
  if (embed.length > 0) {
    log.info(`embedding: ${embed.length} task(s) on ${executor.name}`);
    phases.push({ name: "embedding", tasks: embed, reports: await executor.run(embed, log) });
  }
  const failures = phases.flatMap((p) => p.reports).flatMap((r) => r.results).filter((r) => r.status === "failed").length;
  return { phases, failures };
}
