/** A workflow's status as text: per section its jobs (and where their states came from), then a row per task. */
import { shortName } from "../pipeline/summary.ts";
import { table } from "../pipeline/text-table.ts";
import type { SectionStatus, WorkflowStatus } from "./workflow-status.ts";

export function formatStatus(s: WorkflowStatus): string {
  const lines = [`workflow ${s.workflowDir} (${s.executor})`];
  for (const sec of s.sections) lines.push("", ...sectionLines(sec, s.executor === "slurm"));
  const total = Object.values(s.outputs).reduce((a, b) => a + b, 0);
  const counts = (["complete", "partial", "missing", "wrong-shape"] as const)
    .map((k) => `${s.outputs[k] ?? 0} ${k}`)
    .join(", ");
  lines.push("", `outputs (file × method): ${counts} (of ${total})`);
  lines.push(s.errors ? `\nerrors.log:\n${s.errors.trimEnd()}` : "\nno errors");
  return lines.join("\n");
}

function sectionLines(sec: SectionStatus, slurm: boolean): string[] {
  const head = `# ${sec.section}`;
  const jobs = sec.jobs.map(
    (j) => `job ${j.jobId} (array ${j.array}, states from ${j.source}${j.note ? `: ${j.note}` : ""})`,
  );
  const lines = [slurm ? `${head}: ${jobs.length ? jobs.join("; ") : "not submitted"}` : head];
  const rows = sec.tasks.map((t) => {
    const run = t.lastRun ? `${t.lastRun.status}${t.lastRun.signal ? ` (${t.lastRun.signal})` : ""}` : "-";
    const outs = t.outputs ? t.outputs.map((o) => `${o.method} ${o.state}`).join(", ") : "(caches)";
    const state = t.slurm ? `${t.slurm.state} ${t.slurm.jobId}` : "-";
    return slurm
      ? [String(t.index), shortName(t.input), state, run, outs]
      : [String(t.index), shortName(t.input), run, outs];
  });
  const header = slurm ? ["index", "file", "slurm", "last run", "outputs"] : ["index", "file", "last run", "outputs"];
  lines.push(...table(header, rows));
  return lines;
}
