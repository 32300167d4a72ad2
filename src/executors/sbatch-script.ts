/**
 * One section's sbatch options and array script: pure, from the section's SLURM settings. The
 * options go on the sbatch command line (what the dry run prints) and, as #SBATCH lines, into
 * the script, which can so be resubmitted by hand.
 */
import { z } from "zod";
import { ConfigError } from "../errors.ts";
import type { SectionName } from "../pipeline/config-schema.ts";

/** seconds between SLURM's SIGTERM and the time limit, unless `signal_grace_s` says otherwise */
export const DEFAULT_SIGNAL_GRACE_S = 120;

export const slurmSettingsSchema = z.object({
  partition: z.string().optional(),
  mem: z.string().optional(),
  time: z.string().optional(),
  cpus_per_task: z.number().int().positive().optional(),
  gres: z.string().optional(),
  account: z.string().optional(),
  qos: z.string().optional(),
  clusters: z.string().optional(),
  max_concurrent: z.number().int().positive().optional(),
  /** `--requeue`: SLURM puts a preempted (or failed-node) task back in the queue */
  requeue: z.boolean().optional(),
  /** `--signal=B:TERM@<s>`: SIGTERM this many seconds before the time limit; 0 turns it off */
  signal_grace_s: z.number().int().min(0).optional(),
  extra_args: z.array(z.string()).optional(),
  /** shell lines run before the task (module load, venv activation, …) */
  setup: z.string().optional(),
});

export type SlurmSettings = z.output<typeof slurmSettingsSchema>;

/**
 * The settings of one section: the top-level `slurm:` block overlaid with the section's. A wrong
 * value is an error naming the key; an unknown key is a warning (as in sections).
 */
export function parseSlurmSettings(
  global: unknown,
  own: unknown,
  section: SectionName,
  memoryGb?: number,
): { settings: SlurmSettings; warnings: string[] } {
  const warnings: string[] = [];
  const parsed = (value: unknown, key: string) => {
    const r = slurmSettingsSchema.safeParse(value ?? {});
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new ConfigError(issue.message, {
        key: [key, ...issue.path.map(String)].join("."),
        fix: `slurm settings take: ${Object.keys(slurmSettingsSchema.shape).join(", ")}`,
      });
    }
    for (const k of Object.keys((value ?? {}) as object))
      if (!(k in slurmSettingsSchema.shape)) warnings.push(`${key}.${k} is not a slurm setting; ignored`);
    return r.data;
  };
  const settings: SlurmSettings = {
    max_concurrent: 10,
    signal_grace_s: DEFAULT_SIGNAL_GRACE_S,
    ...parsed(global, "slurm"),
    ...parsed(own, `${section}.slurm`),
  };
  if (!settings.mem && memoryGb) settings.mem = `${memoryGb}G`;
  const limit = settings.time === undefined ? undefined : timeLimitSeconds(settings.time);
  if (limit !== undefined && settings.signal_grace_s && settings.signal_grace_s >= limit) {
    throw new ConfigError(
      `signal_grace_s (${settings.signal_grace_s} s) is not shorter than the time limit ${settings.time} (${limit} s)`,
      {
        key: `${section}.slurm.signal_grace_s`,
        fix: "set it to a fraction of the time limit, e.g. a tenth",
      },
    );
  }
  return { settings, warnings };
}

/** SLURM's time formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; undefined for UNLIMITED or what it cannot read. */
export function timeLimitSeconds(time: string): number | undefined {
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(time.trim());
  if (!m) return undefined;
  const [, d, a, b, c] = m;
  const n = (v?: string) => Number(v ?? 0);
  if (d !== undefined) return n(d) * 86400 + n(a) * 3600 + n(b) * 60 + n(c);
  if (c !== undefined) return n(a) * 3600 + n(b) * 60 + n(c);
  if (b !== undefined) return n(a) * 60 + n(b);
  return n(a) * 60;
}

/** Single-quotes a value for the shell: the reference breaks on unquoted multi-method lists. */
export function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/** A word as a shell reads it: quoted only when it needs to be. */
export function shellWord(v: string): string {
  return /^[\w@%+=:,./$-]+$/.test(v) ? v : shellQuote(v);
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
  /** `json`: the tasks log one JSON object a line */
  logFormat?: "text" | "json";
}

/** The sbatch options of a section's array job, in the order the dry run shows them. */
export function sbatchOptions(s: Omit<ScriptInput, "manifest" | "scembed">): string[] {
  const o = s.settings;
  const opts = [
    `--job-name=scembed_${s.section}`,
    `--array=${s.array}${o.max_concurrent ? `%${o.max_concurrent}` : ""}`,
    `--output=${s.workflowDir}/${s.section}/slurm_%A_%a.out`,
  ];
  if (o.partition) opts.push(`--partition=${o.partition}`);
  if (o.mem) opts.push(`--mem=${o.mem}`);
  if (o.time) opts.push(`--time=${o.time}`);
  if (o.cpus_per_task) opts.push(`--cpus-per-task=${o.cpus_per_task}`);
  if (o.gres) opts.push(`--gres=${o.gres}`);
  if (o.account) opts.push(`--account=${o.account}`);
  if (o.qos) opts.push(`--qos=${o.qos}`);
  if (o.clusters) opts.push(`--clusters=${o.clusters}`);
  if (o.requeue) opts.push("--requeue");
  // B: the batch shell, which is scembed itself (the script ends in exec)
  if (o.signal_grace_s) opts.push(`--signal=B:TERM@${o.signal_grace_s}`);
  opts.push(...(o.extra_args ?? []));
  return opts;
}

export function sbatchScript(s: ScriptInput): string {
  const lines = ["#!/bin/bash", ...sbatchOptions(s).map((o) => `#SBATCH ${o}`)];
  lines.push(
    "set -euo pipefail",
    `dir=${shellQuote(`${s.workflowDir}/${s.section}`)}/job_\${SLURM_ARRAY_JOB_ID}/array_\${SLURM_ARRAY_JOB_ID}`,
    'mkdir -p "$dir"',
    'exec >"$dir/task_${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_${SLURM_ARRAY_TASK_ID}.err"',
  );
  if (s.settings.setup) lines.push(s.settings.setup);
  lines.push(`export SCEMBED_WORKFLOW_DIR=${shellQuote(s.workflowDir)}`);
  if (s.logFormat === "json") lines.push("export SCEMBED_LOG_FORMAT=json");
  lines.push(
    `exec ${s.scembed.map(shellQuote).join(" ")} task --manifest ${shellQuote(s.manifest)} -s ${s.section} --index "$SLURM_ARRAY_TASK_ID"`,
  );
  return lines.join("\n") + "\n";
}
