/**
 * Keeps consolidated metadata (written and preferred by anndata ≥ 0.12 and zarr-python) in step
 * with the store after we add or replace an array; a stale one would hide it. zarr v2 keeps it
 * in `.zmetadata`; zarr v3 in the root `zarr.json`'s `consolidated_metadata`, flattened: every
 * node by its path, groups with an empty `consolidated_metadata` of their own (as zarr-python).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "../store/fs-atomic.ts";
import { zarrFormatOf } from "../store/zarr-node.ts";
import { parseZarrJson, readJson } from "../store/zarr-tree.ts";
import type { GroupMetadataV3, NodeMetadataV3 } from "../store/zarr-v3-metadata.ts";
import { json } from "../store/zarr-v3-writer.ts";

interface Consolidated {
  zarr_consolidated_format: number;
  metadata: Record<string, unknown>;
}

const META_FILES = [".zarray", ".zattrs", ".zgroup"];

export async function hasConsolidated(store: string): Promise<boolean> {
  if ((await zarrFormatOf(store)) === 3) return (await readRootV3(store))?.consolidated_metadata != null;
  return (await readJson(join(store, ".zmetadata"))) !== undefined;
}

/**
 * Re-reads the metadata of `keys` (their parent groups, and for a group its nodes) into the
 * consolidated metadata, when the store has one; `""` is the root group (its attributes).
 */
export async function refreshConsolidated(store: string, keys: string[]): Promise<void> {
  if ((await zarrFormatOf(store)) === 3) return refreshV3(store, keys);
  const doc = (await readJson(join(store, ".zmetadata"))) as Consolidated | undefined;
  if (!doc) return;
  for (const key of keys) {
    const parts = key === "" ? [] : key.split("/");
    if (key !== "")
      for (const entry of Object.keys(doc.metadata)) if (entry.startsWith(`${key}/`)) delete doc.metadata[entry];
    const nodes = key === "" ? [""] : parts.map((_, depth) => parts.slice(0, depth + 1).join("/"));
    for (const node of nodes) {
      for (const file of META_FILES) {
        const text = await readFile(join(store, node, file), "utf8").catch(() => undefined);
        if (text !== undefined) doc.metadata[node ? `${node}/${file}` : file] = parseZarrJson(text);
      }
    }
  }
  await writeJsonAtomic(join(store, ".zmetadata"), doc);
}

/** Whether the consolidated metadata (when present) lists the array at `key`. */
export async function consolidatedLists(store: string, key: string): Promise<boolean | undefined> {
  if ((await zarrFormatOf(store)) === 3) {
    const metadata = (await readRootV3(store))?.consolidated_metadata?.metadata;
    return metadata === undefined ? undefined : metadata[key]?.node_type === "array";
  }
  const doc = (await readJson(join(store, ".zmetadata"))) as Consolidated | undefined;
  if (!doc) return undefined;
  return `${key}/.zarray` in doc.metadata;
}

/** Writes the whole consolidated metadata of a v3 store into its root `zarr.json`. */
export async function consolidateV3(store: string): Promise<void> {
  const root = await readRootV3(store);
  if (!root) throw new Error(`${store} has no root zarr.json`);
  const metadata: Record<string, NodeMetadataV3> = {};
  await collectV3(store, "", metadata);
  await writeRootV3(store, root, metadata);
}

async function refreshV3(store: string, keys: string[]): Promise<void> {
  const root = await readRootV3(store);
  const metadata = root?.consolidated_metadata?.metadata;
  if (!root || !metadata) return;
  for (const key of keys) {
    for (const entry of Object.keys(metadata)) if (entry === key || entry.startsWith(`${key}/`)) delete metadata[entry];
    const parts = key.split("/");
    for (let depth = 1; depth <= parts.length; depth++) {
      const node = parts.slice(0, depth).join("/");
      const meta = (await readJson(join(store, node, "zarr.json"))) as NodeMetadataV3 | undefined;
      if (meta) metadata[node] = entryOf(meta);
    }
    if (metadata[key]?.node_type === "group") await collectV3(store, key, metadata);
  }
  await writeRootV3(store, root, metadata);
}

/** Adds every node below `key` (directories holding a zarr.json; hidden temp directories skipped). */
async function collectV3(store: string, key: string, into: Record<string, NodeMetadataV3>): Promise<void> {
  const dir = join(store, ...key.split("/").filter(Boolean));
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const child = key === "" ? entry.name : `${key}/${entry.name}`;
    const meta = (await readJson(join(dir, entry.name, "zarr.json"))) as NodeMetadataV3 | undefined;
    if (!meta) continue;
    into[child] = entryOf(meta);
    if (meta.node_type === "group") await collectV3(store, child, into);
  }
}

function entryOf(meta: NodeMetadataV3): NodeMetadataV3 {
  if (meta.node_type !== "group") return meta;
  return { ...meta, consolidated_metadata: { kind: "inline", must_understand: false, metadata: {} } };
}

async function readRootV3(store: string): Promise<GroupMetadataV3 | undefined> {
  return (await readJson(join(store, "zarr.json"))) as GroupMetadataV3 | undefined;
}

async function writeRootV3(
  store: string,
  root: GroupMetadataV3,
  metadata: Record<string, NodeMetadataV3>,
): Promise<void> {
  const sorted = Object.fromEntries(
    Object.keys(metadata)
      .sort()
      .map((k) => [k, metadata[k]!]),
  );
  const doc = { ...root, consolidated_metadata: { kind: "inline", must_understand: false, metadata: sorted } };
  await writeFileAtomic(join(store, "zarr.json"), json(doc));
}
