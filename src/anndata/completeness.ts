/**
 * Is `obsm/<key>` there, of the right shape, and whole? Decided from metadata and the list of
 * chunk files (zarr v3: and the shard indexes), never by loading the data. Arrays we write are renamed into place only when
 * complete; the chunk check also catches partial arrays left by other tools (the reference
 * pipeline writes in place and counts a half-written array as done).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { readJson } from "../store/zarr-tree.ts";
import type { ZarrArrayMeta } from "../store/zarr-array.ts";
import { missingChunks } from "../store/zarr-v3-inventory.ts";
import { parseArrayLayout, type ArrayMetadataV3 } from "../store/zarr-v3-metadata.ts";
import { AnnDataReader } from "./anndata-reader.ts";
import { consolidatedLists } from "./consolidated.ts";

export type EmbeddingStatus =
  | { state: "missing" }
  | { state: "complete"; shape: number[]; consolidatedStale: boolean }
  | { state: "incomplete"; shape: number[]; missingChunks: number }
  | { state: "wrong-shape"; shape: number[] };

export async function embeddingStatus(
  store: string,
  key: string,
  nObs: number,
  dim?: number,
): Promise<EmbeddingStatus> {
  const dir = join(store, "obsm", key);
  const meta = (await readJson(join(dir, ".zarray"))) as ZarrArrayMeta | undefined;
  if (!meta) {
    const v3 = (await readJson(join(dir, "zarr.json"))) as ArrayMetadataV3 | undefined;
    if (v3) return v3Status(store, key, v3, nObs, dim);
    return (await h5Status(store, key, nObs, dim)) ?? { state: "missing" };
  }
  const shape = meta.shape;
  if (shape.length !== 2 || shape[0] !== nObs || (dim !== undefined && shape[1] !== dim))
    return { state: "wrong-shape", shape };
  const files = new Set(await readdir(dir));
  const sep = meta.dimension_separator ?? ".";
  let missing = 0;
  const [cr, cc] = meta.chunks as [number, number];
  for (let i = 0; i * cr < shape[0]!; i++) {
    for (let j = 0; j * cc < shape[1]!; j++) {
      const name = `${i}${sep}${j}`;
      if (sep === "/" ? !files.has(String(i)) : !files.has(name)) missing++;
    }
  }
  if (missing > 0) return { state: "incomplete", shape, missingChunks: missing };
  const listed = await consolidatedLists(store, `obsm/${key}`);
  return { state: "complete", shape, consolidatedStale: listed === false };
}

/** zarr v3: the same checks; for a sharded array, every shard present with a valid index listing every inner chunk. */
async function v3Status(
  store: string,
  key: string,
  meta: ArrayMetadataV3,
  nObs: number,
  dim?: number,
): Promise<EmbeddingStatus> {
  const shape = meta.node_type === "array" && Array.isArray(meta.shape) ? meta.shape : [];
  if (shape.length !== 2 || shape[0] !== nObs || (dim !== undefined && shape[1] !== dim))
    return { state: "wrong-shape", shape };
  let missing: number;
  try {
    missing = await missingChunks(
      join(store, "obsm", key),
      parseArrayLayout(meta, { file: store, key: `obsm/${key}` }),
    );
  } catch {
    missing = 1; // metadata we cannot read: recompute
  }
  if (missing > 0) return { state: "incomplete", shape, missingChunks: missing };
  const listed = await consolidatedLists(store, `obsm/${key}`);
  return { state: "complete", shape, consolidatedStale: listed === false };
}

/** For an .h5ad (input side), shape is all we can check. */
async function h5Status(path: string, key: string, nObs: number, dim?: number): Promise<EmbeddingStatus | undefined> {
  if (!/\.h5ad?$/i.test(path)) return undefined;
  const reader = await AnnDataReader.open(path).catch(() => undefined);
  if (!reader) return undefined;
  try {
    const entry = (await reader.obsm()).find((e) => e.key === key);
    if (!entry) return { state: "missing" };
    if (entry.shape[0] !== nObs || (dim !== undefined && entry.shape[1] !== dim))
      return { state: "wrong-shape", shape: entry.shape };
    return { state: "complete", shape: entry.shape, consolidatedStale: false };
  } finally {
    reader.close();
  }
}
