/**
 * One read interface over zarr directories and HDF5 (.h5ad) files: a tree of groups and arrays,
 * where arrays are read in row ranges along their first axis, never whole unless asked.
 */
import type { ArrayData, Dtype } from "./dtype.ts";

export type Attrs = Record<string, unknown>;

export interface ArrayNode {
  readonly kind: "array";
  /** key inside the file, without a leading slash ("X/data") */
  readonly key: string;
  readonly shape: readonly number[];
  readonly dtype: Dtype;
  /** the storage chunk length along axis 0: reads aligned to it touch each chunk once */
  readonly chunkRows: number;
  readonly attrs: Attrs;
  /** how it is stored, for `scembed inspect`: "zarr v3, shards [4096] of inner chunks [1024], bytes+zstd(3)" */
  readonly storage?: string;
  /** the stored object behind the key, where keys can share one (an HDF5 hard link: layers/counts → X) */
  readonly identity?: string;
  /** rows [start, stop) along axis 0, flat in C order */
  read(start: number, stop: number): Promise<ArrayData>;
  /** a 0-d array's value, or the whole array */
  readAll(): Promise<ArrayData>;
}

export interface GroupNode {
  readonly kind: "group";
  readonly key: string;
  readonly attrs: Attrs;
  keys(): Promise<string[]>;
}

export type TreeNode = ArrayNode | GroupNode;

/** An attribute value that names another node of the same file (an HDF5 object reference), by its key. */
export interface NodeRef {
  readonly kind: "ref";
  readonly key: string;
}

export function isNodeRef(v: unknown): v is NodeRef {
  return typeof v === "object" && v !== null && (v as NodeRef).kind === "ref" && typeof (v as NodeRef).key === "string";
}

export type StoreFormat = "zarr" | "h5ad";

export interface TreeReader {
  readonly format: StoreFormat;
  readonly path: string;
  get(key: string): Promise<TreeNode | undefined>;
  close(): void;
}

export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}
