/**
 * Writes zarr v3 groups and arrays as zarr-python 3 lays them out: `zarr.json` per node, `default`
 * chunk keys ("c/i/j"), inner `bytes` (or `vlen-utf8`) then the compressor, and for sharded arrays
 * `sharding_indexed` with the index (bytes + crc32c) at the end. A shard is written inner chunk by
 * inner chunk (positioned writes, then the index), so memory stays one inner chunk.
 */
import { mkdir, open, writeFile, type FileHandle } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { CodecConfig } from "./codecs/registry.ts";
import { chunkKeyEncoder, DEFAULT_CHUNK_KEY_ENCODING } from "./chunk-keys.ts";
import { elementCount } from "./chunk-region.ts";
import { bytesPerElement, type ArrayData, type Dtype } from "./dtype.ts";
import { encodeShardIndex, shardIndexBytes } from "./shard-index.ts";
import type { Attrs } from "./tree.ts";
import { ChunkCodecs, compressorToV3 } from "./zarr-v3-codecs.ts";
import { dataTypeName, type ArrayMetadataV3, type NamedConfig, type ShardingLayout } from "./zarr-v3-metadata.ts";
import { DEFAULT_COMPRESSOR } from "./zarr-writer.ts";

export const json = (value: unknown) => JSON.stringify(value, null, 2);

export function groupMetaV3(attrs: Attrs): { zarr_format: 3; node_type: "group"; attributes: Attrs } {
  return { zarr_format: 3, node_type: "group", attributes: attrs };
}

export async function writeGroupV3(dir: string, attrs: Attrs): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "zarr.json"), json(groupMetaV3(attrs)));
}

export interface ArraySpecV3 {
  shape: number[];
  /** the chunk grid: the shard shape when `innerChunks` is given */
  chunks: number[];
  /** inner chunk shape: makes the array sharded (must divide `chunks`) */
  innerChunks?: number[];
  dtype: Dtype;
  compressor?: CodecConfig | null;
  attrs?: Attrs;
  indexLocation?: "start" | "end";
}

type IndexCodecs = Pick<ShardingLayout, "indexEndian" | "indexCrc32c" | "indexLocation">;

export function arrayMetaV3(spec: ArraySpecV3): ArrayMetadataV3 {
  const isString = spec.dtype === "|O" || spec.dtype.startsWith("<U");
  const itemsize = spec.dtype === "|O" ? 1 : bytesPerElement(spec.dtype);
  const serializer: NamedConfig =
    spec.dtype === "|O"
      ? { name: "vlen-utf8", configuration: {} }
      : itemsize === 1
        ? { name: "bytes" }
        : { name: "bytes", configuration: { endian: "little" } };
  const chunkCodecs = [
    serializer,
    ...compressorToV3(spec.compressor === undefined ? DEFAULT_COMPRESSOR : spec.compressor, itemsize),
  ];
  const codecs: NamedConfig[] = spec.innerChunks
    ? [
        {
          name: "sharding_indexed",
          configuration: {
            chunk_shape: spec.innerChunks,
            codecs: chunkCodecs,
            index_codecs: [{ name: "bytes", configuration: { endian: "little" } }, { name: "crc32c" }],
            index_location: spec.indexLocation ?? "end",
          },
        },
      ]
    : chunkCodecs;
  return {
    shape: spec.shape,
    data_type: dataTypeName(spec.dtype),
    chunk_grid: { name: "regular", configuration: { chunk_shape: spec.chunks } },
    chunk_key_encoding: DEFAULT_CHUNK_KEY_ENCODING,
    fill_value: isString ? "" : spec.dtype === "|b1" ? false : 0,
    codecs,
    attributes: spec.attrs ?? {},
    zarr_format: 3,
    node_type: "array",
    storage_transformers: [],
  };
}

export class ZarrV3ArrayWriter {
  private readonly chunkKey = chunkKeyEncoder(DEFAULT_CHUNK_KEY_ENCODING, { file: "", key: "" });

  private constructor(
    readonly dir: string,
    readonly spec: ArraySpecV3,
    readonly codecs: ChunkCodecs,
    private readonly index: IndexCodecs,
  ) {}

  static async create(dir: string, spec: ArraySpecV3): Promise<ZarrV3ArrayWriter> {
    const meta = arrayMetaV3(spec);
    const unit = spec.innerChunks ?? spec.chunks;
    const sharding = spec.innerChunks ? (meta.codecs[0]!.configuration as { codecs: NamedConfig[] }) : undefined;
    const codecs = new ChunkCodecs(sharding?.codecs ?? meta.codecs, unit, spec.dtype, { file: dir });
    await codecs.ready(); // an unknown codec or a rejected option fails before anything is written
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "zarr.json"), json(meta));
    const index: IndexCodecs = { indexEndian: "little", indexCrc32c: true, indexLocation: spec.indexLocation ?? "end" };
    return new ZarrV3ArrayWriter(dir, spec, codecs, index);
  }

  /** The file of the chunk (or shard) at grid `coords`. */
  chunkPath(coords: readonly number[]): string {
    return join(this.dir, ...this.chunkKey(coords).split("/"));
  }

  /** An unsharded array's chunk: `data` holds exactly the chunk's elements (padded by the caller). */
  async writeChunk(coords: readonly number[], data: ArrayData): Promise<void> {
    const path = this.chunkPath(coords);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await this.codecs.encode(data));
  }

  /** Starts the shard at grid `coords`; its inner chunks are then added in any order, each once. */
  async openShard(coords: readonly number[]): Promise<ShardWriter> {
    const inner = this.spec.innerChunks!;
    const chunksPerShard = elementCount(this.spec.chunks.map((n, d) => n / inner[d]!));
    const path = this.chunkPath(coords);
    await mkdir(dirname(path), { recursive: true });
    return new ShardWriter(await open(path, "w"), chunksPerShard, this.codecs, this.index);
  }
}

export class ShardWriter {
  private readonly ranges: ({ offset: number; length: number } | undefined)[];
  private position: number;

  constructor(
    private readonly fh: FileHandle,
    chunksPerShard: number,
    private readonly codecs: ChunkCodecs,
    private readonly index: IndexCodecs,
  ) {
    this.ranges = new Array(chunksPerShard).fill(undefined);
    this.position = index.indexLocation === "start" ? shardIndexBytes(chunksPerShard, index) : 0;
  }

  /** `inner`: the inner chunk's C-order number in the shard; `data`: exactly its elements. */
  async write(inner: number, data: ArrayData): Promise<void> {
    await this.writeEncoded(inner, await this.codecs.encode(data));
  }

  /** The same with the chunk already encoded (by `codecs.encode`: chunks can be encoded at once, written in turn). */
  async writeEncoded(inner: number, bytes: Uint8Array): Promise<void> {
    await this.fh.write(bytes, 0, bytes.byteLength, this.position);
    this.ranges[inner] = { offset: this.position, length: bytes.byteLength };
    this.position += bytes.byteLength;
  }

  /** Writes the index and closes the file. */
  async close(): Promise<void> {
    try {
      const index = encodeShardIndex(this.ranges, this.index);
      await this.fh.write(index, 0, index.byteLength, this.index.indexLocation === "start" ? 0 : this.position);
    } finally {
      await this.fh.close();
    }
  }

  async abandon(): Promise<void> {
    await this.fh.close();
  }
}
