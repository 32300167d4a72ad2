/** Writes zarr v2 groups and arrays chunk by chunk (the layout anndata 0.8–0.13 reads). */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { compressorFor, type CodecChain } from "./codecs/chain.ts";
import type { CodecConfig } from "./codecs/registry.ts";
import { encodeVlenUtf8 } from "./codecs/vlen-utf8.ts";
import { encodeFixedUnicode, type Dtype, type NumericArray } from "./dtype.ts";
import type { Attrs } from "./tree.ts";
import type { ZarrArrayMeta } from "./zarr-array.ts";

/**
 * gzip level 1: read by every numcodecs, so by every anndata that reads zarr; encoded by node's
 * native zlib off the main thread (the wasm zstd/blosc encoders copy their input byte by byte).
 */
export const DEFAULT_COMPRESSOR: CodecConfig = { id: "gzip", level: 1 };

const json = (v: unknown) => JSON.stringify(v, null, 4);

export async function writeGroup(dir: string, attrs: Attrs): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ".zgroup"), json({ zarr_format: 2 }));
  await writeFile(join(dir, ".zattrs"), json(attrs));
}

export interface ArraySpec {
  shape: number[];
  chunks: number[];
  dtype: Dtype;
  compressor?: CodecConfig | null;
  attrs?: Attrs;
}

export function arrayMeta(spec: ArraySpec): ZarrArrayMeta {
  const isString = spec.dtype === "|O" || spec.dtype.startsWith("<U");
  return {
    zarr_format: 2,
    shape: spec.shape,
    chunks: spec.chunks,
    dtype: spec.dtype,
    compressor: spec.compressor === undefined ? DEFAULT_COMPRESSOR : spec.compressor,
    fill_value: isString ? "" : spec.dtype === "|b1" ? false : 0,
    filters: spec.dtype === "|O" ? [{ id: "vlen-utf8" }] : null,
    order: "C",
  };
}

export class ZarrArrayWriter {
  private constructor(
    readonly dir: string,
    readonly meta: ZarrArrayMeta,
    private readonly codecs: CodecChain,
  ) {}

  static async create(dir: string, spec: ArraySpec): Promise<ZarrArrayWriter> {
    const meta = arrayMeta(spec);
    const codecs = compressorFor(meta.compressor, { file: dir });
    await codecs.ready(); // an unknown codec or a rejected option fails before anything is written
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, ".zarray"), json(meta));
    await writeFile(join(dir, ".zattrs"), json(spec.attrs ?? {}));
    return new ZarrArrayWriter(dir, meta, codecs);
  }

  /** `data` holds the chunk's rows in C order; a short last chunk is padded to the full chunk shape. */
  async writeChunk(index: number[], data: NumericArray | string[]): Promise<void> {
    const full = this.meta.chunks.reduce((a, b) => a * b, 1);
    const bytes = this.encodeValues(data, full);
    const name = index.length === 0 ? "0" : index.join(".");
    await writeFile(join(this.dir, name), await this.codecs.encode(bytes));
  }

  private encodeValues(data: NumericArray | string[], full: number): Uint8Array {
    const dtype = this.meta.dtype as Dtype;
    if (Array.isArray(data)) {
      const padded = data.length < full ? [...data, ...new Array<string>(full - data.length).fill("")] : data;
      return dtype === "|O" ? encodeVlenUtf8(padded) : encodeFixedUnicode(padded, Number(dtype.slice(2)));
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data.length >= full) return bytes;
    const padded = new Uint8Array(full * data.BYTES_PER_ELEMENT);
    padded.set(bytes);
    return padded;
  }
}
