/**
 * Reads a zarr v3 array in row ranges. A plain array reads whole chunk files; a sharded one reads
 * each shard's index (positioned read at its end or start, checksum verified) and then only the
 * inner chunks a range touches, so memory stays O(inner chunk) however large the shards. The last
 * decoded chunk and a few shard indexes are cached.
 */
import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { CodecError, ScembedError } from "../errors.ts";
import { chunksTouched, copyChunkRows, elementCount, stridesOf } from "./chunk-region.ts";
import { allocate, isNumericDtype, type ArrayData, type Dtype, type NumericArray } from "./dtype.ts";
import { readShardIndexFile, shardIndexBytes, type ShardIndex } from "./shard-index.ts";
import type { ArrayNode, Attrs } from "./tree.ts";
import { ChunkCodecs } from "./zarr-v3-codecs.ts";
import {
  parseArrayLayout,
  type ArrayLayoutV3,
  type ArrayMetadataV3,
  type FillValue,
  type NamedConfig,
} from "./zarr-v3-metadata.ts";

/** Bytes read from chunk and shard files, for tests and benchmarks of partial reads. */
export interface ReadStats {
  reads: number;
  bytes: number;
}

const INDEX_CACHE = 8;
const FIX = "the shard or chunk is corrupt or truncated: re-create the store from its source";

export class ZarrV3Array implements ArrayNode {
  readonly kind = "array";
  readonly shape: number[];
  readonly dtype: Dtype;
  readonly chunkRows: number;
  readonly layout: ArrayLayoutV3;
  /** the unit of decoding: the inner chunk when sharded, else the chunk */
  private readonly unitShape: number[];
  private readonly codecs: ChunkCodecs;
  private readonly dir: string;
  private cached?: { name: string; data: ArrayData };
  private readonly indexes = new Map<string, Promise<ShardIndex | undefined>>();

  constructor(
    private readonly file: string,
    readonly key: string,
    meta: ArrayMetadataV3,
    readonly attrs: Attrs,
    private readonly stats: ReadStats = { reads: 0, bytes: 0 },
  ) {
    const where = { file, key };
    this.layout = parseArrayLayout(meta, where);
    this.shape = this.layout.shape;
    this.dtype = this.layout.dtype;
    this.unitShape = this.layout.sharding?.innerShape ?? this.layout.chunkShape;
    this.chunkRows = this.shape.length === 0 ? 1 : this.unitShape[0]!;
    this.codecs = new ChunkCodecs(
      this.layout.sharding?.codecs ?? this.layout.codecs,
      this.unitShape,
      this.dtype,
      where,
    );
    this.dir = join(file, ...key.split("/").filter(Boolean));
  }

  get storage(): string {
    const names = (codecs: NamedConfig[]) =>
      codecs
        .map((c) => (typeof c.configuration?.level === "number" ? `${c.name}(${c.configuration.level})` : c.name))
        .join("+");
    const { chunkShape, sharding, codecs } = this.layout;
    if (!sharding) return `zarr v3, chunks [${chunkShape}], ${names(codecs)}`;
    return `zarr v3, shards [${chunkShape}] of inner chunks [${sharding.innerShape}], ${names(sharding.codecs)}`;
  }

  async readAll(): Promise<ArrayData> {
    return this.read(0, this.shape.length === 0 ? 1 : this.shape[0]!);
  }

  async read(start: number, stop: number): Promise<ArrayData> {
    const n = this.shape.length === 0 ? 1 : this.shape[0]!;
    if (start < 0 || stop > n || start > stop) {
      throw new ScembedError(`row range [${start}, ${stop}) is outside [0, ${n})`, { file: this.file, key: this.key });
    }
    await this.codecs.ready();
    const count = (stop - start) * elementCount(this.shape.slice(1));
    const out: ArrayData = isNumericDtype(this.dtype) ? allocate(this.dtype, count) : new Array<string>(count);
    for (const coords of chunksTouched(this.shape, this.unitShape, start, stop)) {
      const chunk = await this.unit(coords);
      copyChunkRows(chunk, this.unitShape, coords, out, this.shape, start, stop);
    }
    return out;
  }

  /** The decoded unit chunk at grid `coords` (fill value when it is absent or empty). */
  private async unit(coords: number[]): Promise<ArrayData> {
    const name = coords.join(",");
    if (this.cached?.name === name) return this.cached.data;
    const count = elementCount(this.unitShape);
    const { raw, label } = this.layout.sharding ? await this.innerBytes(coords) : await this.chunkBytes(coords);
    let data: ArrayData;
    try {
      data = raw === undefined ? fillChunk(this.dtype, this.layout.fill, count) : await this.codecs.decode(raw, count);
    } catch (err) {
      throw this.corrupt(label, err);
    }
    this.cached = { name, data };
    return data;
  }

  private async chunkBytes(coords: number[]): Promise<{ raw?: Uint8Array; label: string }> {
    const key = this.layout.chunkKey(coords);
    try {
      const raw = await readFile(join(this.dir, ...key.split("/")));
      this.count(raw.byteLength);
      return { raw, label: `chunk '${key}'` };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return { label: `chunk '${key}'` };
      throw err;
    }
  }

  private async innerBytes(coords: number[]): Promise<{ raw?: Uint8Array; label: string }> {
    const perShard = this.layout.chunkShape.map((n, d) => n / this.unitShape[d]!);
    const shardCoords = coords.map((c, d) => Math.floor(c / perShard[d]!));
    const local = coords.map((c, d) => c % perShard[d]!);
    const inner = local.reduce((acc, c, d) => acc + c * stridesOf(perShard)[d]!, 0);
    const shardKey = this.layout.chunkKey(shardCoords);
    const label = `shard '${shardKey}', inner chunk [${local.join(", ")}]`;
    const index = await this.shardIndex(shardKey, elementCount(perShard));
    const range = index?.range(inner);
    if (!range) return { label };
    const fh = await open(this.shardPath(shardKey), "r");
    try {
      const raw = new Uint8Array(range.length);
      const { bytesRead } = await fh.read(raw, 0, range.length, range.offset);
      this.count(bytesRead);
      if (bytesRead !== range.length)
        throw this.corrupt(label, new CodecError(`read ${bytesRead} of ${range.length} bytes`));
      return { raw, label };
    } finally {
      await fh.close();
    }
  }

  /** The shard's index, or undefined when the shard file is absent (every inner chunk is fill). */
  private shardIndex(shardKey: string, chunksPerShard: number): Promise<ShardIndex | undefined> {
    let index = this.indexes.get(shardKey);
    if (!index) {
      index = this.loadIndex(shardKey, chunksPerShard);
      index.catch(() => this.indexes.delete(shardKey));
      if (this.indexes.size >= INDEX_CACHE) this.indexes.delete(this.indexes.keys().next().value!);
      this.indexes.set(shardKey, index);
    }
    return index;
  }

  private async loadIndex(shardKey: string, chunksPerShard: number): Promise<ShardIndex | undefined> {
    try {
      const index = await readShardIndexFile(this.shardPath(shardKey), chunksPerShard, this.layout.sharding!);
      if (index) this.count(shardIndexBytes(chunksPerShard, this.layout.sharding!));
      return index;
    } catch (err) {
      throw this.corrupt(`shard '${shardKey}' index`, err);
    }
  }

  private shardPath(shardKey: string): string {
    return join(this.dir, ...shardKey.split("/"));
  }

  private count(bytes: number): void {
    this.stats.reads++;
    this.stats.bytes += bytes;
  }

  private corrupt(label: string, err: unknown): ScembedError {
    if (err instanceof ScembedError && err.key !== undefined) return err;
    const message = err instanceof Error ? err.message : String(err);
    return new CodecError(`${label}: ${message}`, { file: this.file, key: this.key, fix: FIX, cause: err });
  }
}

export function fillChunk(dtype: Dtype, fill: FillValue, count: number): ArrayData {
  if (!isNumericDtype(dtype)) return new Array<string>(count).fill(String(fill));
  const out = allocate(dtype, count);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    if (fill !== 0n && fill !== 0) out.fill(BigInt(fill as number | bigint));
  } else {
    const value = typeof fill === "boolean" ? Number(fill) : Number(fill);
    if (value !== 0) (out as Exclude<NumericArray, BigInt64Array | BigUint64Array>).fill(value);
  }
  return out;
}
