/**
 * What a report can cover: the files' sizes and obs names, and which `obsm` embeddings are whole
 * in every file with one width. An embedding missing from a file, of another width, or not
 * complete there (a partial array) is left out with the reason, never sampled half-written.
 */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus } from "../anndata/completeness.ts";
import { InputError } from "../errors.ts";

export interface Inventory {
  cells: number[];
  /** usable embeddings: obsm key → width */
  embeddings: Map<string, number>;
  skipped: string[];
}

export async function takeInventory(paths: readonly string[], only?: readonly string[]): Promise<Inventory> {
  const cells: number[] = [];
  const perFile: Map<string, string>[] = [];
  for (const path of paths) {
    const reader = await AnnDataReader.open(path);
    try {
      cells.push(reader.nObs);
      const states = new Map<string, string>();
      for (const e of await reader.obsm()) {
        if (e.shape.length !== 2 || e.dtype === "|O" || e.dtype.startsWith("<U")) continue;
        const status = await embeddingStatus(path, e.key, reader.nObs);
        states.set(e.key, status.state === "complete" ? `dim ${e.shape[1]}` : status.state);
      }
      perFile.push(states);
    } finally {
      reader.close();
    }
  }
  const keys = new Set(perFile.flatMap((m) => [...m.keys()]));
  for (const k of only ?? [])
    if (!keys.has(k))
      throw new InputError(`no input has obsm '${k}'`, {
        key: `obsm/${k}`,
        fix: `pick among: ${[...keys].join(", ")}`,
      });
  const embeddings = new Map<string, number>();
  const skipped: string[] = [];
  for (const key of [...keys].sort()) {
    if (only && !only.includes(key)) continue;
    const problem = paths
      .map((p, f) => [p, perFile[f]!.get(key) ?? "missing"] as const)
      .find(([, state]) => !state.startsWith("dim "));
    const dims = new Set(perFile.map((m) => m.get(key)));
    if (problem) skipped.push(`${key}: ${problem[1]} in ${problem[0]}`);
    else if (dims.size > 1) skipped.push(`${key}: widths differ between files (${[...dims].join(", ")})`);
    else embeddings.set(key, Number([...dims][0]!.slice(4)));
  }
  return { cells, embeddings, skipped };
}

/** The obs names of the sampled rows, file after file. */
export async function sampledNames(paths: readonly string[], sampled: readonly Int32Array[]): Promise<string[]> {
  const out: string[] = [];
  for (const [f, path] of paths.entries()) {
    const reader = await AnnDataReader.open(path);
    try {
      const names = await reader.obsNames();
      for (const r of sampled[f]!) out.push(String(names[r]));
    } finally {
      reader.close();
    }
  }
  return out;
}
