/**
 * An anndata dataframe (`dataframe` 0.2.0, and 0.1.0 from anndata < 0.8): a group whose
 * `_index` attribute names the index element and whose `column-order` lists the columns; each
 * column is a 1-d element of its own encoding (series.ts). Every name taken from these
 * attributes is checked to stay inside the store (element-key.ts).
 */
import { InputError } from "../errors.ts";
import type { GroupNode, TreeReader } from "../store/tree.ts";
import { childKey } from "./element-key.ts";
import { encodingOf } from "./encoding.ts";
import { readSeries, seriesLength, type ColumnValues } from "./series.ts";

export type { ColumnValues } from "./series.ts";

const VERSIONS = new Set(["0.1.0", "0.2.0"]);

/** `frame` is a dataframe group: "obs", "var", or e.g. "raw/var". */
async function frameGroup(tree: TreeReader, frame: string): Promise<GroupNode> {
  const node = await tree.get(frame);
  if (node?.kind !== "group")
    throw new InputError(`'${frame}' dataframe is missing`, {
      file: tree.path,
      key: frame,
      fix: "is this an AnnData file?",
    });
  const type = encodingOf(node.attrs);
  const version = String(node.attrs["encoding-version"] ?? "");
  if (type !== undefined && (type !== "dataframe" || !VERSIONS.has(version))) {
    throw new InputError(`'${frame}' is encoded as '${type}' ${version}, not a dataframe (0.1.0 or 0.2.0)`, {
      file: tree.path,
      key: frame,
      fix: "write obs and var as pandas DataFrames with anndata",
    });
  }
  return node;
}

/** The key of the frame's index element, from its `_index` attribute ("_index" when absent). */
export async function indexKey(tree: TreeReader, frame: string): Promise<string> {
  const node = await frameGroup(tree, frame);
  return childKey(tree.path, frame, node.attrs["_index"] ?? "_index", "attribute '_index'");
}

export async function dataframeColumns(tree: TreeReader, frame: string): Promise<string[]> {
  const node = await frameGroup(tree, frame);
  const order = node.attrs["column-order"];
  const names = Array.isArray(order) ? order.map(String) : [];
  for (const name of names) childKey(tree.path, frame, name, "'column-order' entry");
  return names;
}

/** The index as strings (missing entries of a nullable index become ""). */
export async function readIndex(tree: TreeReader, frame: string): Promise<string[]> {
  return (await readSeries(tree, await indexKey(tree, frame))).map((v) => (v === null ? "" : String(v)));
}

/** The number of rows, from the index's shape. */
export async function frameLength(tree: TreeReader, frame: string): Promise<number> {
  const key = await indexKey(tree, frame);
  if (!(await tree.get(key)))
    throw new InputError(`${frame} has no index`, {
      file: tree.path,
      key,
      fix: "the dataframe is incomplete; re-write the file with anndata",
    });
  return seriesLength(tree, key);
}

export async function readColumn(tree: TreeReader, frame: string, name: string): Promise<ColumnValues> {
  const key = childKey(tree.path, frame, name, "column");
  if (!(await tree.get(key)))
    throw new InputError(`column '${name}' is missing from ${frame}`, { file: tree.path, key });
  return readSeries(tree, key);
}

export async function hasColumn(tree: TreeReader, frame: string, name: string): Promise<boolean> {
  return (await tree.get(childKey(tree.path, frame, name, "column"))) !== undefined;
}
