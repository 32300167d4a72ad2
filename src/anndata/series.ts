/**
 * One-dimensional anndata elements (dataframe columns and indexes), read whole, through a
 * registry keyed by "encoding-type@encoding-version" as anndata 0.13's writer
 * (`_io/specs/methods.py`) stamps them:
 *   array@0.2.0 / string-array@0.2.0   one array (h5: vlen str; zarr v2: vlen-utf8; v3: string)
 *   categorical@0.2.0                  group: `codes` (-1 = missing), `categories`, attr `ordered`
 *   nullable-integer@0.1.0, nullable-boolean@0.1.0, nullable-string-array@0.1.0
 *                                      group: `values` (0 / "" where missing) and bool `mask`;
 *                                      strings carry `na-value` "NA" | "NaN" (both read as null)
 * Arrays without encoding attributes (anndata < 0.8) read as plain arrays, and a legacy
 * categorical (dataframe 0.1.0) is an array of codes whose `categories` attribute names the
 * categories array (a relative key in zarr, an object reference in HDF5).
 */
import { InputError, withLocation } from "../errors.ts";
import type { ArrayData } from "../store/dtype.ts";
import { joinKey, type ArrayNode, type GroupNode, type TreeNode, type TreeReader } from "../store/tree.ts";
import { childKey, parentKey } from "./element-key.ts";
import { encodingOf } from "./encoding.ts";

export type SeriesValue = string | number | boolean | null;
export type ColumnValues = string[] | number[] | boolean[] | SeriesValue[];

type SeriesRead = (tree: TreeReader, node: TreeNode) => Promise<SeriesValue[]>;

const READERS = new Map<string, SeriesRead>([
  ["array@0.2.0", (tree, node) => plainArray(tree, node)],
  ["string-array@0.2.0", (tree, node) => plainArray(tree, node)],
  ["categorical@0.2.0", (tree, node) => categorical(tree, asGroup(tree, node))],
  ["nullable-integer@0.1.0", (tree, node) => nullable(tree, asGroup(tree, node), Number)],
  ["nullable-boolean@0.1.0", (tree, node) => nullable(tree, asGroup(tree, node), (v) => v === true || Number(v) !== 0)],
  ["nullable-string-array@0.1.0", (tree, node) => nullable(tree, asGroup(tree, node), String)],
]);

const SUPPORTED = "array, string-array, categorical, nullable-integer, nullable-boolean, nullable-string-array";

/** The values of the 1-d element at `key`; missing entries (codes -1, masked) are null. */
export async function readSeries(tree: TreeReader, key: string): Promise<SeriesValue[]> {
  const node = await tree.get(key);
  if (!node) throw new InputError("element is missing", { file: tree.path, key });
  const type = encodingOf(node.attrs);
  try {
    if (type === undefined) {
      if (node.kind === "group")
        throw new InputError("group without an encoding-type cannot be read as a column", { file: tree.path, key });
      return node.attrs["categories"] !== undefined
        ? await legacyCategorical(tree, node)
        : await plainArray(tree, node);
    }
    const version = String(node.attrs["encoding-version"] ?? "");
    const read = READERS.get(`${type}@${version}`);
    if (!read) {
      throw new InputError(`column encoding '${type}' ${version} is not supported`, {
        file: tree.path,
        key,
        fix: `store it as one of: ${SUPPORTED}`,
      });
    }
    return await read(tree, node);
  } catch (err) {
    throw withLocation(err, tree.path, key);
  }
}

/** The length of the 1-d element at `key`, from shapes only. */
export async function seriesLength(tree: TreeReader, key: string): Promise<number> {
  const node = await tree.get(key);
  if (!node) throw new InputError("element is missing", { file: tree.path, key });
  if (node.kind === "array") return oneDimensional(tree, node).shape[0]!;
  const part = encodingOf(node.attrs) === "categorical" ? "codes" : "values";
  return seriesLength(tree, joinKey(key, part));
}

async function plainArray(tree: TreeReader, node: TreeNode): Promise<SeriesValue[]> {
  return values(await oneDimensional(tree, asArray(tree, node)).readAll());
}

async function categorical(tree: TreeReader, group: GroupNode): Promise<SeriesValue[]> {
  const codes = await readSeries(tree, joinKey(group.key, "codes"));
  return fromCodes(tree, group.key, codes, await readSeries(tree, joinKey(group.key, "categories")));
}

async function legacyCategorical(tree: TreeReader, node: ArrayNode): Promise<SeriesValue[]> {
  const catKey = childKey(tree.path, parentKey(node.key), node.attrs["categories"], "attribute 'categories'");
  return fromCodes(tree, node.key, await plainArray(tree, node), await readSeries(tree, catKey));
}

function fromCodes(tree: TreeReader, key: string, codes: SeriesValue[], categories: SeriesValue[]): SeriesValue[] {
  return codes.map((c) => {
    const i = Number(c);
    if (i === -1) return null;
    if (!Number.isInteger(i) || i < -1 || i >= categories.length) {
      throw new InputError(`categorical code ${String(c)} is outside [-1, ${categories.length})`, {
        file: tree.path,
        key,
        fix: "the file is corrupt; re-create it",
      });
    }
    return categories[i]!;
  });
}

async function nullable(
  tree: TreeReader,
  group: GroupNode,
  cast: (v: SeriesValue) => SeriesValue,
): Promise<SeriesValue[]> {
  const [vals, mask] = await Promise.all([
    readSeries(tree, joinKey(group.key, "values")),
    readSeries(tree, joinKey(group.key, "mask")),
  ]);
  if (vals.length !== mask.length) {
    throw new InputError(`values (${vals.length}) and mask (${mask.length}) differ in length`, {
      file: tree.path,
      key: group.key,
      fix: "the file is corrupt; re-create it",
    });
  }
  return vals.map((v, i) => (mask[i] === true || Number(mask[i]) !== 0 ? null : cast(v)));
}

/** Typed arrays become numbers (bools 0/1, int64 via Number); strings stay strings. */
function values(data: ArrayData): SeriesValue[] {
  if (Array.isArray(data)) return data;
  return Array.from(data as ArrayLike<number | bigint>, Number);
}

function asGroup(tree: TreeReader, node: TreeNode): GroupNode {
  if (node.kind !== "group") throw wrongKind(tree, node, "a group");
  return node;
}

function asArray(tree: TreeReader, node: TreeNode): ArrayNode {
  if (node.kind !== "array") throw wrongKind(tree, node, "an array");
  return node;
}

function wrongKind(tree: TreeReader, node: TreeNode, wanted: string): InputError {
  const found = node.kind === "group" ? "a group" : "an array";
  return new InputError(`encoding '${encodingOf(node.attrs)}' must be ${wanted}, found ${found}`, {
    file: tree.path,
    key: node.key,
  });
}

function oneDimensional(tree: TreeReader, node: ArrayNode): ArrayNode {
  if (node.shape.length !== 1)
    throw new InputError(`a column must be 1-d, found shape [${node.shape}]`, { file: tree.path, key: node.key });
  return node;
}
