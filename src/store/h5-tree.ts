/**
 * An .h5ad (HDF5) file as a TreeReader, through h5wasm's Node build: reads are hyperslab slices
 * straight from the file, so memory stays bounded by the rows asked for. LZF-compressed datasets,
 * which h5wasm cannot decode, are read from their raw chunks instead (h5-filtered-array.ts).
 */
import h5wasm, { Reference, RegionReference } from "h5wasm/node";
import { InputError } from "../errors.ts";
import type { ArrayData, Dtype } from "./dtype.ts";
import { h5Dtype } from "./h5-dtype.ts";
import { H5FilteredArray, LZF_FILTER_ID } from "./h5-filtered-array.ts";
import { RawFile } from "./h5-raw-file.ts";
import type { ArrayNode, Attrs, NodeRef, TreeNode, TreeReader } from "./tree.ts";

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;
type H5Entity = ReturnType<H5File["get"]>;

/** ids from 256 up are third-party filters; h5wasm has none built in and would return undecoded bytes */
const FIRST_PLUGIN_FILTER = 256;

let ready: Promise<unknown> | undefined;
export async function openH5(path: string): Promise<H5Tree> {
  ready ??= h5wasm.ready;
  await ready;
  checkWhole(path);
  try {
    return new H5Tree(path, new h5wasm.File(path, "r"));
  } catch (err) {
    throw new InputError(`not a readable HDF5 file (${(err as Error).message})`, {
      file: path,
      fix: "the file is damaged: copy it again from its source",
      cause: err,
    });
  }
}

/** A truncated copy (an interrupted transfer) ends before the end its superblock records. */
function checkWhole(path: string): void {
  const raw = new RawFile(path);
  try {
    const end = raw.base + raw.endOfFile;
    if (raw.endOfFile >= 0 && end > raw.size) {
      throw new InputError(
        `the file is truncated: its HDF5 superblock says it ends at byte ${end}, but it has ${raw.size} bytes`,
        {
          file: path,
          fix: "copy it again from its source (compare its size or checksum with the original)",
        },
      );
    }
  } finally {
    raw.close();
  }
}

export class H5Tree implements TreeReader {
  readonly format = "h5ad";
  private raw?: RawFile;
  constructor(
    readonly path: string,
    private readonly file: H5File,
  ) {}

  async get(key: string): Promise<TreeNode | undefined> {
    let entity: H5Entity;
    try {
      entity = key === "" ? this.file : this.file.get(key);
    } catch {
      return undefined;
    }
    if (!entity) return undefined;
    const attrs = readAttrs(entity as { attrs: Record<string, { value: unknown }> }, (ref) => this.refKey(ref, key));
    if (entity instanceof h5wasm.Group) {
      const group = entity;
      return { kind: "group", key, attrs, keys: async () => group.keys().slice().sort() };
    }
    if (entity instanceof h5wasm.Dataset) {
      return entity.filters.some((f) => f.id === LZF_FILTER_ID)
        ? this.filteredArray(key, entity, attrs)
        : new H5Array(this.path, key, entity, attrs);
    }
    return undefined;
  }

  close(): void {
    this.file.close();
    this.raw?.close();
  }

  private filteredArray(key: string, ds: H5Dataset, attrs: Attrs): H5FilteredArray {
    const meta = ds.metadata;
    const header = objectAddress(ds);
    const raw = () => (this.raw ??= new RawFile(this.path));
    const info = {
      shape: ds.shape ?? [],
      dtype: h5Dtype(meta, this.path, key),
      filters: ds.filters,
      header: Number(header),
      littleEndian: meta.littleEndian,
      vlen: meta.vlen,
      size: meta.size,
      utf8: meta.cset === 1,
    };
    return new H5FilteredArray(raw, key, info, meta.chunks ?? [], attrs);
  }

  /**
   * An object reference in an attribute of `owner`: the key of the node it names, relative to the
   * owner's group when it lies below it (anndata < 0.8's `categories` → "__categories/cell_type",
   * as the same anndata writes it in zarr), else a NodeRef with the full key.
   */
  private refKey(ref: Reference, owner: string): NodeRef | string {
    const target = this.file.dereference(ref) as { path?: string } | null;
    if (!target?.path)
      throw new InputError("an attribute holds an object reference to nothing", { file: this.path, key: owner });
    const key = target.path.replace(/^\/+/, "");
    const group = owner.includes("/") ? owner.slice(0, owner.lastIndexOf("/") + 1) : "";
    return key.startsWith(group) && key.length > group.length ? key.slice(group.length) : { kind: "ref", key };
  }
}

/** an HDF5 object reference (hobj_ref_t) is the object header's address: one per stored object */
function objectAddress(ds: H5Dataset): bigint {
  return new DataView(Uint8Array.from(ds.create_reference().ref_data).buffer).getBigUint64(0, true);
}

class H5Array implements ArrayNode {
  readonly kind = "array";
  readonly shape: number[];
  private readonly empty: boolean;
  readonly dtype: Dtype;
  readonly chunkRows: number;

  constructor(
    file: string,
    readonly key: string,
    private readonly ds: H5Dataset,
    readonly attrs: Attrs,
  ) {
    const meta = ds.metadata;
    const plugins = ds.filters.filter((f) => f.id >= FIRST_PLUGIN_FILTER);
    if (plugins.length > 0) {
      throw new InputError(
        `HDF5 filter ${plugins.map((f) => `'${f.name}' (${f.id})`).join(", ")} cannot be decoded here`,
        {
          file,
          key,
          fix: "re-save the file with gzip or lzf: adata.write_h5ad(path, compression='gzip')",
        },
      );
    }
    this.shape = ds.shape ?? [];
    // a null dataspace (h5py.Empty, anndata's `null` encoding) has no shape and no value: it reads
    // as the 0-d false that anndata writes for `null` in zarr, so a conversion keeps the encoding
    this.empty = ds.shape === null;
    this.dtype = this.empty ? "|b1" : h5Dtype(meta, file, key);
    this.chunkRows = this.shape.length === 0 ? 1 : (meta.chunks?.[0] ?? Math.min(this.shape[0]!, 65536));
  }

  get identity(): string {
    return `hdf5 object at ${objectAddress(this.ds)}`;
  }

  async readAll(): Promise<ArrayData> {
    if (this.empty) return new Uint8Array(1);
    if (this.shape.length === 0) {
      const v = this.ds.value;
      return typeof v === "string" ? [v] : (toArrayData(v) as ArrayData);
    }
    return this.read(0, this.shape[0]!);
  }

  async read(start: number, stop: number): Promise<ArrayData> {
    if (this.shape.length === 0) return this.readAll();
    if (start === stop) return this.dtype === "|O" ? [] : (toArrayData(new Float32Array(0)) as ArrayData);
    const ranges: [number, number][] = [[start, stop], ...this.shape.slice(1).map((n): [number, number] => [0, n])];
    const v = this.ds.slice(ranges);
    const out = toArrayData(v);
    if (this.dtype === "|b1" && out instanceof Int8Array) return new Uint8Array(out.buffer, out.byteOffset, out.length);
    return out as ArrayData;
  }
}

function toArrayData(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(String);
  return v;
}

type RefResolver = (ref: Reference) => NodeRef | string;

function readAttrs(entity: { attrs: Record<string, { value: unknown }> }, deref: RefResolver): Attrs {
  const out: Attrs = {};
  for (const [name, attr] of Object.entries(entity.attrs)) out[name] = jsonValue(attr.value, deref);
  // h5py stores numpy bools as an enum that h5wasm reads as 0/1; anndata's `ordered` must be a bool
  if (typeof out["ordered"] === "number") out["ordered"] = out["ordered"] !== 0;
  return out;
}

/**
 * HDF5 attribute values as plain JSON: typed arrays become lists, bigints numbers, and object
 * references (anndata < 0.8 points a legacy categorical at its categories with one) NodeRefs.
 */
function jsonValue(v: unknown, deref: RefResolver): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Reference && !(v instanceof RegionReference)) return deref(v);
  if (ArrayBuffer.isView(v))
    return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => (typeof x === "bigint" ? Number(x) : x));
  // h5wasm returns a scalar reference attribute as a one-element list
  if (Array.isArray(v) && v.length === 1 && v[0] instanceof Reference) return jsonValue(v[0], deref);
  if (Array.isArray(v)) return v.map((x) => jsonValue(x, deref));
  return v;
}
