/**
 * How far a planned task's output is, per method: the one completeness check behind `--resume`,
 * the dry run and `status` (the same rule as the file loop's: key present, shape (n_obs, dim),
 * every chunk present).
 */
import { existsSync } from "node:fs";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus } from "../anndata/completeness.ts";
import { getMethod } from "../methods/registry.ts";
import type { Task } from "../pipeline/plan.ts";
import { obsmKey } from "../pipeline/report.ts";

/** `partial`: an array without all its chunks, as a killed writer of another tool leaves it */
export type OutputState = "complete" | "partial" | "missing" | "wrong-shape";

export interface MethodOutput {
  method: string;
  key: string;
  state: OutputState;
}

export async function outputStates(task: Pick<Task, "output" | "settings">): Promise<MethodOutput[]> {
  const { methods, dimMap } = task.settings;
  const all = (state: OutputState) => methods.map((m) => ({ method: m, key: obsmKey(m), state }));
  if (!existsSync(task.output)) return all("missing");
  const reader = await AnnDataReader.open(task.output).catch(() => undefined);
  if (!reader) return all("partial");
  try {
    const states: MethodOutput[] = [];
    for (const m of methods) {
      const s = await embeddingStatus(task.output, obsmKey(m), reader.nObs, getMethod(m).expectedDim(dimMap[m]));
      states.push({ method: m, key: obsmKey(m), state: s.state === "incomplete" ? "partial" : s.state });
    }
    return states;
  } finally {
    reader.close();
  }
}

export const allComplete = (states: readonly MethodOutput[]) => states.every((s) => s.state === "complete");
