/**
 * A submission as text: per section the sbatch command line as shell lines that run as printed
 * (a dependency on an earlier section's job is the variable its line sets:
 * `--dependency=afterok:$embedding_preparation`), the
 * array index → input → output → methods table with how far each output is and what the task
 * will do, then the scripts.
 */
import { dirname, relative, sep } from "node:path";
import { table } from "../pipeline/text-table.ts";
import type { PlannedTask, SectionSubmission, Submission } from "./slurm-plan.ts";
import { shellWord } from "./sbatch-script.ts";

export function formatSubmission(s: Submission): string {
  const lines = [
    `workflow dir: ${s.workflowDir}`,
    `manifest:     ${s.manifestPath} (the index → file mapping the tasks read)`,
  ];
  if (s.resume) lines.push("resume: complete tasks are not submitted");
  for (const w of s.warnings) lines.push(`warning: ${w}`);
  for (const sec of s.sections) lines.push("", ...sectionLines(sec));
  if (s.hook) {
    lines.push(
      "",
      "# dataset_creation_hook: after the embedding sections",
      `sbatch --parsable ${dependency(s.hook.dependsOn)} ${shellWord(s.hook.scriptPath)}`,
    );
  }
  for (const sec of s.sections.filter((x) => x.array))
    lines.push("", `--- ${sec.scriptPath} ---`, sec.script.trimEnd());
  if (s.hook) lines.push("", `--- ${s.hook.scriptPath} ---`, s.hook.script.trimEnd());
  return lines.join("\n");
}

function sectionLines(sec: SectionSubmission): string[] {
  const n = sec.tasks.filter((t) => t.submit).length;
  const waits = sec.dependsOn.length ? `, after ${sec.dependsOn.join(" and ")} (afterok)` : "";
  const lines = [
    `# ${sec.section}: ${sec.tasks.length} task(s), ${n} submitted${n ? ` as array ${sec.array}` : ""}${waits}`,
  ];
  if (n > 0) {
    // one option a line, continued with \ : still a command to paste into a shell
    const first = ["sbatch", "--parsable", ...(sec.dependsOn.length ? [dependency(sec.dependsOn)] : [])].join(" ");
    lines.push(
      `${sec.section}=$(${first} \\`,
      ...sec.options.map((o) => `    ${shellWord(o)} \\`),
      `    ${shellWord(sec.scriptPath)})`,
    );
  }
  const inputs = commonDir(sec.tasks.map((t) => t.input));
  const outputs = commonDir(sec.tasks.map((t) => t.output));
  lines.push(`inputs under ${inputs}, outputs under ${outputs}`);
  const rows = sec.tasks.map((t) => [
    String(t.index),
    relative(inputs, t.input),
    relative(outputs, t.output),
    methodsCell(t),
    t.note,
  ]);
  lines.push(...table(["index", "input", "output", "methods (output state)", "action"], rows));
  return lines;
}

function dependency(sections: readonly string[]): string {
  return `--dependency=afterok:${sections.map((s) => `$${s}`).join(":")}`;
}

function methodsCell(t: PlannedTask): string {
  if (!t.outputs) return t.methods.join(", ");
  return t.outputs.map((o) => `${o.method} (${o.state})`).join(", ");
}

function commonDir(paths: readonly string[]): string {
  if (paths.length === 0) return "";
  let parts = dirname(paths[0]!).split(sep);
  for (const p of paths.slice(1)) {
    const q = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}
