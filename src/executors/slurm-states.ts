/**
 * The states of an array job's tasks, from SLURM: `scontrol show job` while the controller still
 * keeps the job (MinJobAge after it ends), `sacct` when accounting is enabled (as on real
 * clusters; it remembers for as long as the database does). Each answer says which it came from.
 */
import { execFileSync } from "node:child_process";
import { arrayIndices } from "./slurm-plan.ts";

export type StateSource = "scontrol" | "sacct" | "none";
export type SourceChoice = "auto" | StateSource;

export interface ArrayTaskState {
  state: string;
  /** `<code>:<signal>` as SLURM writes it */
  exitCode?: string;
}

export interface JobStates {
  jobId: string;
  source: StateSource;
  tasks: Map<number, ArrayTaskState>;
  /** why no source answered */
  note?: string;
}

/** `auto`: scontrol, else sacct, else none. */
export function jobStates(jobId: string, choice: SourceChoice = "auto"): JobStates {
  const notes: string[] = [];
  if (choice === "auto" || choice === "scontrol") {
    const tasks = fromScontrol(jobId, notes);
    if (tasks.size > 0 || choice === "scontrol")
      return { jobId, source: "scontrol", tasks, ...(tasks.size ? {} : { note: notes.join("; ") }) };
  }
  if (choice === "auto" || choice === "sacct") {
    const tasks = fromSacct(jobId, notes);
    if (tasks.size > 0 || choice === "sacct")
      return { jobId, source: "sacct", tasks, ...(tasks.size ? {} : { note: notes.join("; ") }) };
  }
  return { jobId, source: "none", tasks: new Map(), note: notes.join("; ") || "not asked" };
}

function run(cmd: string, args: string[], notes: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    notes.push(
      `${cmd}: ${e.code === "ENOENT" ? "not installed here" : (e.stderr ?? String(err)).trim().split("\n")[0]}`,
    );
    return undefined;
  }
}

/** One line per array task (finished or running); pending ones share a line with a range. */
function fromScontrol(jobId: string, notes: string[]): Map<number, ArrayTaskState> {
  const tasks = new Map<number, ArrayTaskState>();
  const text = run("scontrol", ["show", "job", jobId, "-o"], notes) ?? "";
  for (const line of text.split("\n").filter(Boolean)) {
    const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(line)?.[1];
    if (field("ArrayJobId") !== jobId) continue;
    const state = field("JobState") ?? "UNKNOWN";
    for (const i of arrayIndices(field("ArrayTaskId") ?? "")) tasks.set(i, { state, exitCode: field("ExitCode") });
  }
  if (text && tasks.size === 0) notes.push(`scontrol: job ${jobId} is not an array job here`);
  return tasks;
}

/** `sacct -X -P`: allocations only, `123_4|COMPLETED|0:0`, pending as `123_[5-7%2]`. */
function fromSacct(jobId: string, notes: string[]): Map<number, ArrayTaskState> {
  const tasks = new Map<number, ArrayTaskState>();
  const text = run("sacct", ["-j", jobId, "-X", "-n", "-P", "-o", "JobID,State,ExitCode"], notes);
  for (const line of (text ?? "").split("\n").filter(Boolean)) {
    const [id = "", state = "", exitCode] = line.split("|");
    const m = /^(\d+)_\[?([^\]]+)\]?$/.exec(id.trim());
    if (!m || m[1] !== jobId) continue;
    for (const i of arrayIndices(m[2]!)) tasks.set(i, { state: state.split(" ")[0]!, exitCode });
  }
  if (text !== undefined && tasks.size === 0) notes.push(`sacct: no record of job ${jobId}`);
  return tasks;
}

/** States that mean the task ended badly. */
export const FAILED_STATES = /^(FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE)/;
