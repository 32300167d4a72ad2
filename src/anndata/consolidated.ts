/**
 * Keeps `.zmetadata` (zarr's consolidated metadata, written and preferred by anndata ≥ 0.12)
 * in step with the store after we add or replace an array; a stale one would hide it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "../store/fs-atomic.ts";
import { readJson } from "../store/zarr-tree.ts";

interface Consolidated {
  zarr_consolidated_format: number;
  metadata: Record<string, unknown>;
}

const META_FILES = [".zarray", ".zattrs", ".zgroup"];

export async function hasConsolidated(store: string): Promise<boolean> {
  return (await readJson(join(store, ".zmetadata"))) !== undefined;
}

/** Re-reads the metadata of `keys` (and their parent groups) into `.zmetadata`, when the store has one. */
export async function refreshConsolidated(store: string, keys: string[]): Promise<void> {
  const doc = (await readJson(join(store, ".zmetadata"))) as Consolidated | undefined;
  if (!doc) return;
  for (const key of keys) {
    for (const entry of Object.keys(doc.metadata)) if (entry.startsWith(`${key}/`)) delete doc.metadata[entry];
    const parts = key.split("/");
    for (let depth = 1; depth <= parts.length; depth++) {
      const node = parts.slice(0, depth).join("/");
      for (const file of META_FILES) {
        const text = await readFile(join(store, node, file), "utf8").catch(() => undefined);
        if (text !== undefined) doc.metadata[`${node}/${file}`] = JSON.parse(text.replace(/\bNaN\b/g, '"NaN"'));
      }
    }
  }
  await writeJsonAtomic(join(store, ".zmetadata"), doc);
}

/** Whether `.zmetadata` (when present) lists the array at `key`. */
export async function consolidatedLists(store: string, key: string): Promise<boolean | undefined> {
  const doc = (await readJson(join(store, ".zmetadata"))) as Consolidated | undefined;
  if (!doc) return undefined;
  return `${key}/.zarray` in doc.metadata;
}
