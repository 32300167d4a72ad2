/**
 * Streams any AnnData tree (in practice an .h5ad) into a new zarr directory, v2 or v3, element by
 * element and chunk by chunk, keeping every encoding attribute. Memory: one chunk at a time.
 * zarr v3 is written as anndata 0.13 writes it: strings as the `string` data type, every array of
 * one or more dimensions sharded (shards of about 1 GB uncompressed, as anndata's auto sharding),
 * and the root `zarr.json` carrying consolidated metadata. `writeGroups` + `convertArray` are the
 * two halves, so that arrays may be converted on several threads (convert-pool.ts). An array
 * stored once under two keys (an HDF5 hard link) is converted once and copied (splitLinks).
 */
import { join } from "node:path";
import { withLocation } from "../errors.ts";
import { bytesPerElement, type Dtype, type NumericArray } from "../store/dtype.ts";
import { createRowWriter } from "../store/row-writer.ts";
import type { ArrayNode, TreeReader } from "../store/tree.ts";
import { joinKey } from "../store/tree.ts";
import { writeGroupAs, type ZarrFormat } from "../store/zarr-node.ts";
import { ZarrV3ArrayWriter } from "../store/zarr-v3-writer.ts";
import { ZarrArrayWriter } from "../store/zarr-writer.ts";
import { consolidateV3 } from "./consolidated.ts";
import { copyTree } from "./copy-tree.ts";

/** about 4 MB of float32 per chunk (v3: per inner chunk) */
const TARGET_CHUNK_ELEMENTS = 1 << 20;
/** anndata 0.13 asks zarr for shards of about 1 GB uncompressed */
const TARGET_SHARD_BYTES = 1_000_000_000;

export async function treeToZarr(tree: TreeReader, dest: string, format: ZarrFormat = 2): Promise<void> {
  const { unique, links } = await splitLinks(tree, await writeGroups(tree, dest, format));
  for (const key of unique) await convertArray(tree, key, dest, format);
  await copyLinks(dest, links);
  if (format === 3) await consolidateV3(dest);
}

/**
 * Keys that name an array already named by an earlier key (an HDF5 hard link, as layers/counts → X
 * in files that store the counts once): converted once, the other keys copied from it afterwards
 * (zarr has no links; anndata reads two equal arrays).
 */
export async function splitLinks(
  tree: TreeReader,
  keys: string[],
): Promise<{ unique: string[]; links: { from: string; to: string }[] }> {
  const first = new Map<string, string>();
  const unique: string[] = [];
  const links: { from: string; to: string }[] = [];
  for (const key of keys) {
    const node = await tree.get(key);
    const id = node?.kind === "array" ? node.identity : undefined;
    const earlier = id === undefined ? undefined : first.get(id);
    if (earlier !== undefined) links.push({ from: earlier, to: key });
    else {
      if (id !== undefined) first.set(id, key);
      unique.push(key);
    }
  }
  return { unique, links };
}

/** Copies each linked key's converted array from the key converted for it. */
export async function copyLinks(dest: string, links: { from: string; to: string }[]): Promise<void> {
  const dir = (key: string) => join(dest, ...key.split("/"));
  for (const { from, to } of links) await copyTree(dir(from), dir(to));
}

/** Writes every group of the tree (with its attributes) and returns the keys of its arrays, in tree order. */
export async function writeGroups(tree: TreeReader, dest: string, format: ZarrFormat, key = ""): Promise<string[]> {
  const node = await tree.get(key);
  if (!node) return [];
  if (node.kind !== "group") return [key];
  await writeGroupAs(format, join(dest, ...key.split("/").filter(Boolean)), node.attrs);
  const arrays: string[] = [];
  for (const child of await node.keys()) arrays.push(...(await writeGroups(tree, dest, format, joinKey(key, child))));
  return arrays;
}

/** Converts one array of the tree (its group already written); an error names the tree's file and the key. */
export async function convertArray(tree: TreeReader, key: string, dest: string, format: ZarrFormat): Promise<void> {
  try {
    const node = await tree.get(key);
    if (node?.kind !== "array") throw new Error(`not an array`);
    await copyArray(node, join(dest, ...key.split("/")), format);
  } catch (err) {
    throw withLocation(err, tree.path, key);
  }
}

async function copyArray(node: ArrayNode, dir: string, format: ZarrFormat): Promise<void> {
  const isString = node.dtype === "|O" || node.dtype.startsWith("<U");
  if (node.shape.length === 0) return copyScalar(node, dir, format, isString);
  const [rows, ...rest] = node.shape as [number, ...number[]];
  const cols = rest.reduce((a, b) => a * b, 1);
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(TARGET_CHUNK_ELEMENTS / Math.max(1, cols))));
  // v3 keeps strings as variable-length `string`, what anndata 0.13 writes
  const dtype: Dtype = format === 3 && isString ? "|O" : node.dtype;
  const itemsize = isString ? 16 : bytesPerElement(dtype);
  const perShard = Math.max(1, Math.floor(TARGET_SHARD_BYTES / (chunkRows * Math.max(1, cols) * itemsize)));
  const shardRows = chunkRows * Math.max(1, Math.min(perShard, Math.ceil(rows / chunkRows)));
  const writer = await createRowWriter(format, dir, {
    shape: [...node.shape],
    dtype,
    chunkRows: format === 3 ? shardRows : chunkRows,
    innerRows: chunkRows,
    attrs: node.attrs,
  });
  for (let r = 0; r < rows; r += chunkRows) {
    const stop = Math.min(rows, r + chunkRows);
    await writer.append(await node.read(r, stop), stop - r);
  }
  await writer.finish();
}

/** A 0-d array: v2 writes strings as fixed-width unicode, v3 as `string`; neither compressed. */
async function copyScalar(node: ArrayNode, dir: string, format: ZarrFormat, isString: boolean): Promise<void> {
  const value = await node.readAll();
  if (format === 3) {
    const w = await ZarrV3ArrayWriter.create(dir, {
      shape: [],
      chunks: [],
      dtype: isString ? "|O" : node.dtype,
      compressor: null,
      attrs: node.attrs,
    });
    await w.writeChunk([], value);
    return;
  }
  if (Array.isArray(value)) {
    const width = Math.max(1, ...value.map((s) => [...s].length));
    const w = await ZarrArrayWriter.create(dir, {
      shape: [],
      chunks: [],
      dtype: `<U${width}`,
      compressor: null,
      attrs: node.attrs,
    });
    await w.writeChunk([], value);
  } else {
    const w = await ZarrArrayWriter.create(dir, {
      shape: [],
      chunks: [],
      dtype: node.dtype,
      compressor: null,
      attrs: node.attrs,
    });
    await w.writeChunk([], value as NumericArray);
  }
}
