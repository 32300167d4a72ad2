/**
 * What a SLURM submission will do, decided before anything is submitted: per section the tasks
 * (array index → input → output → methods, and how far each output is), the indices to submit,
 * the sbatch options and script, and the sections it waits for. The dry run prints it; the
 * executor submits it.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { SECTION_NAMES, type SectionName } from "../pipeline/config-schema.ts";
import type { Task } from "../pipeline/plan.ts";
import type { WorkflowPlan } from "../pipeline/workflow.ts";
import { allComplete, outputStates, type MethodOutput } from "./output-state.ts";
import { parseSlurmSettings, sbatchOptions, sbatchScript } from "./sbatch-script.ts";

export interface PlannedTask {
  index: number;
  input: string;
  output: string;
  methods: string[];
  /** per method, how far the output is (the preparation section writes no output: undefined) */
  outputs?: MethodOutput[];
  submit: boolean;
  /** why it is or is not submitted */
  note: string;
}

export interface SectionSubmission {
  section: SectionName;
  tasks: PlannedTask[];
  /** the indices submitted, as sbatch --array reads them ("" when none) */
  array: string;
  /** sbatch options, without --dependency (its job ids are known only at submission) */
  options: string[];
  /** sections whose jobs must end well first (afterok) */
  dependsOn: SectionName[];
  script: string;
  scriptPath: string;
}

export interface HookSubmission {
  script: string;
  scriptPath: string;
  dependsOn: SectionName[];
}

export interface Submission {
  workflowDir: string;
  manifestPath: string;
  resume: boolean;
  sections: SectionSubmission[];
  hook?: HookSubmission;
  warnings: string[];
}

export interface SubmissionOptions {
  workflowDir: string;
  resume: boolean;
  /** how array tasks start scembed (node + bin/scembed.js) */
  scembed: string[];
  logFormat?: "text" | "json";
}

export async function planSubmission({ config, sections }: WorkflowPlan, opts: SubmissionOptions): Promise<Submission> {
  const wf = opts.workflowDir;
  const manifestPath = join(wf, "manifest.json");
  const warnings: string[] = [];
  const out: SectionSubmission[] = [];
  // a resumed GPU task that is complete needs no preparation either
  const gpuDone = new Set<string>();
  const states = new Map<Task, MethodOutput[]>();
  for (const s of SECTION_NAMES)
    for (const t of s === "embedding_preparation" ? [] : (sections[s] ?? [])) states.set(t, await outputStates(t));
  for (const t of sections.embedding_gpu ?? []) if (allComplete(states.get(t)!)) gpuDone.add(t.input);

  for (const s of SECTION_NAMES) {
    const tasks = sections[s] ?? [];
    if (tasks.length === 0) continue;
    const planned = tasks.map((t) => plannedTask(t, states.get(t), gpuDone, opts.resume));
    const indices = planned.filter((t) => t.submit).map((t) => t.index);
    const section = config[s]!;
    const { settings, warnings: w } = parseSlurmSettings(config.slurm, section.slurm, s, section.memory_gb);
    warnings.push(...w);
    const array = arraySpec(indices);
    const dependsOn: SectionName[] =
      s === "embedding_gpu" && out.some((o) => o.section === "embedding_preparation" && o.array)
        ? ["embedding_preparation"]
        : [];
    const input = {
      section: s,
      workflowDir: wf,
      manifest: manifestPath,
      array,
      settings,
      scembed: opts.scembed,
      logFormat: opts.logFormat,
    };
    out.push({
      section: s,
      tasks: planned,
      array,
      options: sbatchOptions(input),
      dependsOn,
      script: sbatchScript(input),
      scriptPath: nextScriptPath(join(wf, s)),
    });
  }
  const hook = config.dataset_creation_hook;
  const embedding = out.filter((o) => o.array && o.section !== "embedding_preparation").map((o) => o.section);
  return {
    workflowDir: wf,
    manifestPath,
    resume: opts.resume,
    sections: out,
    hook:
      hook && embedding.length > 0
        ? {
            script: `#!/bin/bash\n#SBATCH --job-name=scembed_hook\n#SBATCH --output=${wf}/hook_%j.out\n${hook}\n`,
            scriptPath: join(wf, "hook.sbatch"),
            dependsOn: embedding,
          }
        : undefined,
    warnings,
  };
}

function plannedTask(t: Task, outputs: MethodOutput[] | undefined, gpuDone: Set<string>, resume: boolean): PlannedTask {
  const base = { index: t.index, input: t.input, output: t.output, methods: [...t.settings.methods], outputs };
  if (!outputs) {
    const done = gpuDone.has(t.input);
    if (resume && done) return { ...base, submit: false, note: "not submitted: the GPU output is complete" };
    return { ...base, submit: true, note: "prepare" };
  }
  const complete = allComplete(outputs);
  if (resume && complete) return { ...base, submit: false, note: "not submitted: complete" };
  if (complete)
    return {
      ...base,
      submit: true,
      note: t.settings.overwrite ? "recompute (overwrite)" : "submitted; skips its complete outputs",
    };
  const some = outputs.some((o) => o.state === "complete") && !t.settings.overwrite;
  return { ...base, submit: true, note: some ? "run (skips the complete ones)" : "run" };
}

/** 0-3, or 1,4,7 */
export function arraySpec(indices: readonly number[]): string {
  if (indices.length === 0) return "";
  if (indices.length === 1) return String(indices[0]);
  const contiguous = indices.every((v, i) => v === indices[0]! + i);
  return contiguous ? `${indices[0]}-${indices[indices.length - 1]}` : indices.join(",");
}

/** Every index an --array spec names: "0-3", "1,4", "2-5%2", "1-7:2". */
export function arrayIndices(spec: string): number[] {
  const out: number[] = [];
  for (const part of spec.replace(/%\d+$/, "").split(",").filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]),
      b = m[2] === undefined ? a : Number(m[2]),
      step = Number(m[3] ?? 1);
    for (let i = a; i <= b; i += step) out.push(i);
  }
  return out;
}

/** `<dir>/submit_<n>.sbatch`, n counting this section's submissions (the first is 1). */
function nextScriptPath(dir: string): string {
  const n = existsSync(dir) ? readdirSync(dir).filter((f) => /^submit_\d+\.sbatch$/.test(f)).length : 0;
  return join(dir, `submit_${n + 1}.sbatch`);
}
