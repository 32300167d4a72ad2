/**
 * An HDF5 dataset compressed with h5py's LZF filter (id 32000), read without HDF5's filter
 * pipeline: h5wasm 0.10.3 ships no LZF filter and its wasm exports neither H5Dread_chunk,
 * H5Dget_chunk_info nor H5Zregister, so a chunk's raw bytes cannot come through it. Instead the
 * dataset's object header address (an HDF5 object reference, which h5wasm does create) leads to
 * its chunk index (h5-chunk-index.ts); the chunks a row range touches are read from the file,
 * un-filtered here (LZF, deflate, shuffle), checked for length and copied into place. Memory is
 * O(rows asked + one chunk); the chunk index (a few numbers per chunk) is kept.
 */
import { inflateSync } from "node:zlib";
import type { Filter } from "h5wasm/node";
import { InputError, withLocation } from "../errors.ts";
import { viewBytes, type ArrayData, type Dtype, type NumericDtype } from "./dtype.ts";
import { readChunkIndex, type ChunkEntry, type ChunkIndex } from "./h5-chunk-index.ts";
import { GlobalHeap, readVlenStrings } from "./h5-global-heap.ts";
import { lzfDecompress } from "./h5-lzf.ts";
import { Cursor, type RawFile } from "./h5-raw-file.ts";
import type { ArrayNode, Attrs } from "./tree.ts";

export const LZF_FILTER_ID = 32000;
const DEFLATE = 1;
const SHUFFLE = 2;
const UNFILTERS = new Set([LZF_FILTER_ID, DEFLATE, SHUFFLE]);

export interface FilteredDataset {
  shape: number[];
  dtype: Dtype;
  filters: Filter[];
  /** object header address, from an HDF5 object reference */
  header: number;
  littleEndian: boolean;
  /** vlen strings; else fixed-size strings of `size` bytes when dtype is "|O" */
  vlen: boolean;
  size: number;
  utf8: boolean;
}

export class H5FilteredArray implements ArrayNode {
  readonly kind = "array";
  readonly shape: number[];
  readonly dtype: Dtype;
  readonly chunkRows: number;
  private index?: ChunkIndex & { byRow: Map<number, ChunkEntry[]> };

  get identity(): string {
    return `hdf5 object at ${this.ds.header}`;
  }

  constructor(
    private readonly raw: () => RawFile,
    readonly key: string,
    private readonly ds: FilteredDataset,
    chunks: number[],
    readonly attrs: Attrs,
  ) {
    const unknown = ds.filters.filter((f) => !UNFILTERS.has(f.id));
    if (unknown.length > 0) {
      throw new InputError(
        `HDF5 filters ${unknown.map((f) => `'${f.name}' (${f.id})`).join(", ")} next to LZF cannot be read here`,
        {
          file: raw().path,
          key,
          fix: "re-save the file with gzip: adata.write_h5ad(path, compression='gzip')",
        },
      );
    }
    this.shape = ds.shape;
    this.dtype = ds.dtype;
    this.chunkRows = chunks[0] ?? 1;
  }

  async readAll(): Promise<ArrayData> {
    return this.read(0, this.shape[0]!);
  }

  async read(start: number, stop: number): Promise<ArrayData> {
    const file = this.raw();
    const n = this.shape[0]!;
    if (start < 0 || stop > n || start > stop) {
      throw new InputError(`row range [${start}, ${stop}) is outside [0, ${n})`, { file: file.path, key: this.key });
    }
    if (start === stop) return this.dtype === "|O" ? [] : viewBytes(this.dtype as NumericDtype, new Uint8Array(0));
    try {
      const index = this.chunkIndex();
      const es = index.elementSize;
      const rowElems = this.shape.slice(1).reduce((a, b) => a * b, 1);
      const out = new Uint8Array((stop - start) * rowElems * es);
      const c0 = index.chunk[0]!;
      for (let k = Math.floor(start / c0) * c0; k < stop; k += c0) {
        for (const entry of index.byRow.get(k) ?? []) {
          const bytes = unfilter(
            file.read(entry.address, entry.size),
            entry,
            this.ds.filters,
            index.chunk.reduce((a, b) => a * b, es),
            es,
          );
          copyChunk(bytes, entry.offset, index.chunk, out, start, stop, this.shape, es);
        }
      }
      return this.decode(out, (stop - start) * rowElems, file);
    } catch (err) {
      throw withLocation(err, file.path, this.key);
    }
  }

  private chunkIndex(): NonNullable<H5FilteredArray["index"]> {
    if (this.index) return this.index;
    const file = this.raw();
    const index = readChunkIndex(file, this.ds.header, this.shape.length, this.key);
    const byRow = new Map<number, ChunkEntry[]>();
    for (const e of index.entries) {
      if (e.offset.some((o, d) => o % index.chunk[d]! !== 0 || o >= this.shape[d]!)) {
        throw new InputError(
          `chunk offset [${e.offset}] does not fit chunks [${index.chunk}] of shape [${this.shape}]`,
          { file: file.path, key: this.key, fix: "the file is corrupt; re-create it" },
        );
      }
      byRow.set(e.offset[0]!, [...(byRow.get(e.offset[0]!) ?? []), e]);
    }
    this.index = { ...index, byRow };
    return this.index;
  }

  private decode(bytes: Uint8Array, n: number, file: RawFile): ArrayData {
    const decoder = new TextDecoder(this.ds.utf8 ? "utf-8" : "latin1");
    if (this.dtype === "|O" && this.ds.vlen)
      return readVlenStrings(new Cursor(bytes, file.offsetSize, file.lengthSize), n, new GlobalHeap(file), decoder);
    if (this.dtype === "|O") {
      const w = this.ds.size;
      return Array.from({ length: n }, (_, i) =>
        decoder.decode(bytes.subarray(i * w, (i + 1) * w)).replace(/[\0 ]+$/, ""),
      );
    }
    const es = this.ds.size;
    if (!this.ds.littleEndian && es > 1) for (let i = 0; i < bytes.length; i += es) bytes.subarray(i, i + es).reverse();
    return viewBytes(this.dtype as NumericDtype, bytes);
  }
}

/** Undoes the filter pipeline (last filter first), skipping filters the chunk's mask marks as not applied. */
function unfilter(
  stored: Uint8Array,
  entry: ChunkEntry,
  filters: Filter[],
  expected: number,
  elementSize: number,
): Uint8Array {
  let bytes = stored;
  for (let i = filters.length - 1; i >= 0; i--) {
    if (entry.filterMask & (1 << i)) continue;
    const id = filters[i]!.id;
    if (id === LZF_FILTER_ID) bytes = lzfDecompress(bytes, expected);
    else if (id === DEFLATE) bytes = new Uint8Array(inflateSync(bytes));
    else if (id === SHUFFLE) bytes = unshuffle(bytes, elementSize);
  }
  if (bytes.length !== expected) {
    throw new InputError(`chunk at [${entry.offset}] decodes to ${bytes.length} bytes, expected ${expected}`, {
      fix: "the file is corrupt; re-create it",
    });
  }
  return bytes;
}

/** HDF5's shuffle filter stores byte k of every element together; this puts elements back together. */
function unshuffle(bytes: Uint8Array, size: number): Uint8Array {
  if (size <= 1) return bytes;
  const n = Math.floor(bytes.length / size);
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < size; k++) for (let i = 0; i < n; i++) out[i * size + k] = bytes[k * n + i]!;
  out.set(bytes.subarray(n * size), n * size);
  return out;
}

/** Copies the part of a decoded chunk (corner `off`, full size `chunk`) inside rows [start, stop) into `out`. */
function copyChunk(
  src: Uint8Array,
  off: number[],
  chunk: number[],
  out: Uint8Array,
  start: number,
  stop: number,
  shape: number[],
  es: number,
): void {
  const rank = shape.length;
  const lo = off.map((o, d) => (d === 0 ? Math.max(o, start) : o));
  const hi = off.map((o, d) => Math.min(o + chunk[d]!, d === 0 ? stop : shape[d]!));
  if (lo.some((l, d) => l >= hi[d]!)) return;
  const srcStride = strides(chunk);
  const dstStride = strides([stop - start, ...shape.slice(1)]);
  const run = (hi[rank - 1]! - lo[rank - 1]!) * es;
  const visit = (d: number, s: number, t: number): void => {
    if (d === rank - 1) {
      const from = (s + lo[d]! - off[d]!) * es;
      out.set(src.subarray(from, from + run), (t + lo[d]! - (d === 0 ? start : 0)) * es);
      return;
    }
    for (let i = lo[d]!; i < hi[d]!; i++)
      visit(d + 1, s + (i - off[d]!) * srcStride[d]!, t + (i - (d === 0 ? start : 0)) * dstStride[d]!);
  };
  visit(0, 0, 0);
}

function strides(dims: number[]): number[] {
  const out = new Array<number>(dims.length).fill(1);
  for (let d = dims.length - 2; d >= 0; d--) out[d] = out[d + 1]! * dims[d + 1]!;
  return out;
}
