/** Reads one column (or the index) of an anndata dataframe, whatever its encoding. */
import { InputError } from "../errors.ts";
import type { ArrayData } from "../store/dtype.ts";
import { joinKey, type TreeReader } from "../store/tree.ts";
import { encodingOf } from "./encoding.ts";

export type ColumnValues = string[] | number[] | (string | null)[] | (number | null)[] | boolean[];

/** `frame` is a dataframe group: "obs", "var", or e.g. "raw/var". */
export async function readIndex(tree: TreeReader, frame: string): Promise<string[]> {
  const node = await tree.get(frame);
  if (!node || node.kind !== "group") throw new InputError(`'${frame}' dataframe is missing`, { file: tree.path, key: frame });
  const indexKey = typeof node.attrs["_index"] === "string" ? (node.attrs["_index"] as string) : "_index";
  return (await readColumn(tree, frame, indexKey)).map((v) => String(v ?? ""));
}

/** Returns undefined when the column does not exist. */
export async function readColumn(tree: TreeReader, frame: string, name: string): Promise<ColumnValues> {
  const key = joinKey(frame, name);
  const node = await tree.get(key);
  if (!node) throw new InputError(`column '${name}' is missing from ${frame}`, { file: tree.path, key });
  const enc = encodingOf(node.attrs);
  if (node.kind === "array") return plain(await node.readAll());
  if (enc === "categorical") {
    const codes = await readArray(tree, joinKey(key, "codes"));
    const cats = (await readArray(tree, joinKey(key, "categories"))) as ArrayData;
    const labels = Array.from(cats as ArrayLike<unknown>, (c) => c as string | number);
    return Array.from(codes as ArrayLike<number | bigint>, (c) => (Number(c) < 0 ? null : labels[Number(c)]!)) as ColumnValues;
  }
  if (enc?.startsWith("nullable-")) {
    const values = plain(await readArray(tree, joinKey(key, "values")));
    const mask = await readArray(tree, joinKey(key, "mask"));
    return (values as unknown[]).map((v, i) => (Number((mask as ArrayLike<number>)[i]) ? null : v)) as ColumnValues;
  }
  throw new InputError(`column encoding '${enc}' is not supported`, { file: tree.path, key });
}

async function readArray(tree: TreeReader, key: string): Promise<ArrayData> {
  const node = await tree.get(key);
  if (!node || node.kind !== "array") throw new InputError("array is missing", { file: tree.path, key });
  return node.readAll();
}

function plain(data: ArrayData): ColumnValues {
  if (Array.isArray(data)) return data;
  return Array.from(data as ArrayLike<number | bigint>, Number);
}

export async function hasColumn(tree: TreeReader, frame: "obs" | "var", name: string): Promise<boolean> {
  return (await tree.get(joinKey(frame, name))) !== undefined;
}
