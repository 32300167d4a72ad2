/**
 * Streams any AnnData tree (in practice an .h5ad) into a new zarr v2 directory, element by
 * element and chunk by chunk, keeping every encoding attribute. Memory: one chunk at a time.
 */
import { join } from "node:path";
import { isNumericDtype, type NumericArray } from "../store/dtype.ts";
import type { ArrayNode, TreeReader } from "../store/tree.ts";
import { joinKey } from "../store/tree.ts";
import { writeGroup, ZarrArrayWriter } from "../store/zarr-writer.ts";
import { withLocation } from "../errors.ts";

/** about 4 MB of float32 per chunk */
const TARGET_CHUNK_ELEMENTS = 1 << 20;

export async function treeToZarr(tree: TreeReader, dest: string): Promise<void> {
  await copyNode(tree, "", dest);
}

async function copyNode(tree: TreeReader, key: string, dest: string): Promise<void> {
  const node = await tree.get(key);
  if (!node) return;
  if (node.kind === "group") {
    await writeGroup(join(dest, ...key.split("/").filter(Boolean)), node.attrs);
    for (const child of await node.keys()) await copyNode(tree, joinKey(key, child), dest);
    return;
  }
  try {
    await copyArray(node, join(dest, ...key.split("/")));
  } catch (err) {
    throw withLocation(err, tree.path, key);
  }
}

async function copyArray(node: ArrayNode, dir: string): Promise<void> {
  if (node.shape.length === 0) {
    const value = await node.readAll();
    if (Array.isArray(value)) {
      const width = Math.max(1, ...value.map((s) => [...s].length));
      const w = await ZarrArrayWriter.create(dir, { shape: [], chunks: [], dtype: `<U${width}`, compressor: null, attrs: node.attrs });
      await w.writeChunk([], value);
    } else {
      const w = await ZarrArrayWriter.create(dir, { shape: [], chunks: [], dtype: node.dtype, compressor: null, attrs: node.attrs });
      await w.writeChunk([], value);
    }
    return;
  }
  const [rows, ...rest] = node.shape as number[];
  const cols = rest.reduce((a, b) => a * b, 1);
  const chunkRows = Math.max(1, Math.min(rows!, Math.floor(TARGET_CHUNK_ELEMENTS / Math.max(1, cols))));
  const writer = await ZarrArrayWriter.create(dir, {
    shape: [...node.shape],
    chunks: [chunkRows, ...rest],
    dtype: node.dtype,
    attrs: node.attrs,
  });
  for (let r = 0, i = 0; r < rows!; r += chunkRows, i++) {
    const data = await node.read(r, Math.min(rows!, r + chunkRows));
    const index = [i, ...rest.map(() => 0)];
    await writer.writeChunk(index, isNumericDtype(node.dtype) ? (data as NumericArray) : (data as string[]));
  }
}
