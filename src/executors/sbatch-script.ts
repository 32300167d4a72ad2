/** The text of one section's sbatch array script: pure, from the section's SLURM settings. */
import type { SectionName } from "../pipeline/config-schema.ts";

export interface SlurmSettings {
  partition?: string;
  mem?: string;
  time?: string;
  cpus_per_task?: number;
  gres?: string;
  account?: string;
  qos?: string;
  clusters?: string;
  max_concurrent?: number;
  extra_args?: string[];
  /** shell lines run before the task (module load, venv activation, …) */
  setup?: string;
}

/** Single-quotes a value for the shell: the reference breaks on unquoted multi-method lists. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

export interface ScriptInput {
  section: SectionName;
  workflowDir: string;
  manifest: string;
  /** array indices, e.g. "0-3" or "1,4" */
  array: string;
  settings: SlurmSettings;
  /** the command that runs scembed (node + bin) */
  scembed: string[];
}

export function sbatchScript(s: ScriptInput): string {
  const o = s.settings;
  const lines = ["#!/bin/bash", `#SBATCH --job-name=scembed_${s.section}`];
  lines.push(`#SBATCH --array=${s.array}${o.max_concurrent ? `%${o.max_concurrent}` : ""}`);
  lines.push(`#SBATCH --output=${s.workflowDir}/${s.section}/slurm_%A_%a.out`);
  if (o.partition) lines.push(`#SBATCH --partition=${o.partition}`);
  if (o.mem) lines.push(`#SBATCH --mem=${o.mem}`);
  if (o.time) lines.push(`#SBATCH --time=${o.time}`);
  if (o.cpus_per_task) lines.push(`#SBATCH --cpus-per-task=${o.cpus_per_task}`);
  if (o.gres) lines.push(`#SBATCH --gres=${o.gres}`);
  if (o.account) lines.push(`#SBATCH --account=${o.account}`);
  if (o.qos) lines.push(`#SBATCH --qos=${o.qos}`);
  if (o.clusters) lines.push(`#SBATCH --clusters=${o.clusters}`);
  for (const a of o.extra_args ?? []) lines.push(`#SBATCH ${a}`);
  lines.push(
    "set -euo pipefail",
    `dir=${shellQuote(`${s.workflowDir}/${s.section}`)}/job_\${SLURM_ARRAY_JOB_ID}/array_\${SLURM_ARRAY_JOB_ID}`,
    'mkdir -p "$dir"',
    'exec >"$dir/task_${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_${SLURM_ARRAY_TASK_ID}.err"',
  );
  if (o.setup) lines.push(o.setup);
  lines.push(`export SCEMBED_WORKFLOW_DIR=${shellQuote(s.workflowDir)}`);
  lines.push(`exec ${s.scembed.map(shellQuote).join(" ")} task --manifest ${shellQuote(s.manifest)} -s ${s.section} --index "$SLURM_ARRAY_TASK_ID"`);
  return lines.join("\n") + "\n";
}
