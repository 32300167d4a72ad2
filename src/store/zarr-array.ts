/** Reads a zarr v2 array in row ranges: decodes only the chunks a range touches, caching the last one. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { compressorFor, type CodecChain } from "./codecs/chain.ts";
import type { CodecConfig } from "./codecs/registry.ts";
import { decodeVlenUtf8 } from "./codecs/vlen-utf8.ts";
import {
  allocate,
  bytesPerElement,
  decodeFixedUnicode,
  isNumericDtype,
  normalizeDtype,
  viewBytes,
  type ArrayData,
  type Dtype,
  type NumericArray,
} from "./dtype.ts";
import type { ArrayNode, Attrs } from "./tree.ts";

export interface ZarrArrayMeta {
  zarr_format: 2;
  shape: number[];
  chunks: number[];
  dtype: string;
  compressor: CodecConfig | null;
  fill_value: unknown;
  filters: { id: string }[] | null;
  order: "C" | "F";
  dimension_separator?: "." | "/";
}

export class ZarrArray implements ArrayNode {
  readonly kind = "array";
  readonly dtype: Dtype;
  readonly shape: number[];
  readonly chunkRows: number;
  private readonly codecs: CodecChain;
  private cached?: { index: string; data: ArrayData };

  constructor(
    private readonly file: string,
    readonly key: string,
    private readonly meta: ZarrArrayMeta,
    readonly attrs: Attrs,
  ) {
    const dtype = normalizeDtype(meta.dtype);
    if (!dtype)
      throw new InputError(`unsupported dtype '${meta.dtype}'`, {
        file,
        key,
        fix: "store it as little-endian numbers or strings",
      });
    const filters = (meta.filters ?? []).map((f) => f.id);
    if (filters.some((id) => id !== "vlen-utf8")) {
      throw new InputError(`unsupported zarr filters ${JSON.stringify(filters)}`, { file, key });
    }
    if (dtype === "|O" && !filters.includes("vlen-utf8")) {
      throw new InputError("object array without vlen-utf8 filter", {
        file,
        key,
        fix: "store strings with anndata's string-array encoding",
      });
    }
    if (meta.shape.length > 2) {
      throw new InputError(`arrays with ${meta.shape.length} dimensions are not supported`, { file, key });
    }
    this.dtype = dtype;
    this.shape = meta.shape;
    this.chunkRows = meta.shape.length === 0 ? 1 : meta.chunks[0]!;
    this.codecs = compressorFor(meta.compressor, { file, key });
  }

  get storage(): string {
    const c = this.meta.compressor;
    return `zarr v2, chunks [${this.meta.chunks}], ${c === null ? "uncompressed" : typeof c.level === "number" ? `${c.id}(${c.level})` : c.id}`;
  }

  async readAll(): Promise<ArrayData> {
    if (this.shape.length === 0) return this.readChunk([]);
    return this.read(0, this.shape[0]!);
  }

  async read(start: number, stop: number): Promise<ArrayData> {
    if (this.shape.length === 0) return this.readChunk([]);
    const n = this.shape[0]!;
    if (start < 0 || stop > n || start > stop) {
      throw new InputError(`row range [${start}, ${stop}) is outside [0, ${n})`, { file: this.file, key: this.key });
    }
    const cols = this.shape.length === 2 ? this.shape[1]! : 1;
    const rows = stop - start;
    const out: ArrayData = isNumericDtype(this.dtype)
      ? allocate(this.dtype, rows * cols)
      : new Array<string>(rows * cols);
    const [cr, cc] = [this.meta.chunks[0]!, this.shape.length === 2 ? this.meta.chunks[1]! : 1];
    for (let ci = Math.floor(start / cr); ci * cr < stop; ci++) {
      for (let cj = 0; cj * cc < cols; cj++) {
        const index = this.shape.length === 2 ? [ci, cj] : [ci];
        const chunk = await this.readChunk(index);
        const r0 = Math.max(start, ci * cr),
          r1 = Math.min(stop, (ci + 1) * cr);
        const c0 = cj * cc,
          c1 = Math.min(cols, (cj + 1) * cc);
        copyRegion(
          chunk,
          out,
          { r0, r1, c0, c1, chunkRow0: ci * cr, cr, cc, start, cols, fortran: this.meta.order === "F" },
          this.shape.length === 1,
        );
      }
    }
    return out;
  }

  private async readChunk(index: number[]): Promise<ArrayData> {
    const sep = this.meta.dimension_separator ?? ".";
    const name = index.length === 0 ? "0" : index.join(sep);
    if (this.cached?.index === name) return this.cached.data;
    const chunkLen = this.meta.chunks.reduce((a, b) => a * b, 1);
    let data: ArrayData;
    let raw: Uint8Array | undefined;
    try {
      raw = await readFile(join(this.file, ...this.key.split("/"), ...name.split("/")));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (raw !== undefined) await this.codecs.ready(); // a rejected codec option is the array's fault, not the chunk's
    try {
      data = raw === undefined ? this.fillChunk(chunkLen) : await this.decode(raw, chunkLen);
    } catch (err) {
      throw new InputError(`chunk '${name}' is corrupt: ${(err as Error).message}`, {
        file: this.file,
        key: this.key,
        fix: "the chunk is corrupt or truncated: re-create the file from its source",
        cause: err,
      });
    }
    this.cached = { index: name, data };
    return data;
  }

  /** Every chunk decodes to exactly its size: chunk elements × element size, or its item count for strings. */
  private async decode(raw: Uint8Array, chunkLen: number): Promise<ArrayData> {
    if (this.dtype === "|O") return decodeVlenUtf8(await this.codecs.decode(raw), chunkLen);
    const bytes = await this.codecs.decode(raw, chunkLen * bytesPerElement(this.dtype));
    if (this.dtype.startsWith("<U")) return decodeFixedUnicode(bytes, Number(this.dtype.slice(2)));
    return viewBytes(this.dtype as Parameters<typeof viewBytes>[0], bytes);
  }

  private fillChunk(chunkLen: number): ArrayData {
    if (!isNumericDtype(this.dtype)) return new Array<string>(chunkLen).fill(String(this.meta.fill_value ?? ""));
    const out = allocate(this.dtype, chunkLen);
    const fill = this.meta.fill_value;
    const value = fill === "NaN" ? NaN : typeof fill === "number" ? fill : typeof fill === "boolean" ? Number(fill) : 0;
    if (value !== 0) {
      if (out instanceof BigInt64Array || out instanceof BigUint64Array) out.fill(BigInt(value));
      else (out as Exclude<NumericArray, BigInt64Array | BigUint64Array>).fill(value);
    }
    return out;
  }
}

interface Region {
  r0: number;
  r1: number;
  c0: number;
  c1: number;
  chunkRow0: number;
  cr: number;
  cc: number;
  start: number;
  cols: number;
  fortran: boolean;
}

function copyRegion(chunk: ArrayData, out: ArrayData, g: Region, oneD: boolean): void {
  if (oneD) {
    const a = g.r0 - g.chunkRow0,
      b = g.r1 - g.chunkRow0;
    if (Array.isArray(chunk)) {
      for (let i = a; i < b; i++) (out as string[])[g.r0 - g.start + i - a] = chunk[i]!;
    } else {
      (out as unknown as { set(x: ArrayLike<unknown>, o: number): void }).set(
        (chunk as unknown as { subarray(x: number, y: number): ArrayLike<unknown> }).subarray(a, b),
        g.r0 - g.start,
      );
    }
    return;
  }
  const src = chunk as unknown as { [i: number]: unknown; subarray?: unknown };
  const dst = out as unknown as { [i: number]: unknown };
  const width = g.c1 - g.c0;
  const chunkCol0 = g.c0 - (g.c0 % g.cc);
  for (let r = g.r0; r < g.r1; r++) {
    const lr = r - g.chunkRow0;
    const outBase = (r - g.start) * g.cols + g.c0;
    if (!g.fortran && width === g.cc && ArrayBuffer.isView(chunk) && ArrayBuffer.isView(out)) {
      (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
        (chunk as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(
          lr * g.cc,
          lr * g.cc + width,
        ),
        outBase,
      );
      continue;
    }
    for (let c = 0; c < width; c++) {
      const lc = g.c0 - chunkCol0 + c;
      dst[outBase + c] = g.fortran ? src[lc * g.cr + lr] : src[lr * g.cc + lc];
    }
  }
}
