/**
 * The index of a `sharding_indexed` shard: per inner chunk (C order) a uint64 offset and length,
 * encoded by the index codecs (bytes, then crc32c) and stored at the end or the start of the shard.
 * (2^64-1, 2^64-1) marks an empty inner chunk: it holds the fill value. Reading it takes two small
 * positioned reads (the file's size, then the index), never the shard's data.
 */
import { open, type FileHandle } from "node:fs/promises";
import { CodecError } from "../errors.ts";
import { appendCrc32c, stripCrc32c } from "./codecs/crc32c.ts";
import type { ShardingLayout } from "./zarr-v3-metadata.ts";

export const EMPTY_ENTRY = 0xffff_ffff_ffff_ffffn;

type IndexCodecs = Pick<ShardingLayout, "indexEndian" | "indexCrc32c" | "indexLocation">;

export function shardIndexBytes(chunksPerShard: number, codecs: IndexCodecs): number {
  return 16 * chunksPerShard + (codecs.indexCrc32c ? 4 : 0);
}

export class ShardIndex {
  constructor(
    /** [offset, length] per inner chunk; NaN for an empty one */
    private readonly entries: Float64Array,
  ) {}

  get size(): number {
    return this.entries.length / 2;
  }

  /** The inner chunk's byte range in the shard, or undefined when it is empty (fill value). */
  range(inner: number): { offset: number; length: number } | undefined {
    const offset = this.entries[2 * inner]!;
    return Number.isNaN(offset) ? undefined : { offset, length: this.entries[2 * inner + 1]! };
  }

  /** How many of `inners` are empty. */
  emptyAmong(inners: Iterable<number>): number {
    let n = 0;
    for (const i of inners) if (Number.isNaN(this.entries[2 * i]!)) n++;
    return n;
  }
}

/** Reads and checks the index of a shard file of `fileSize` bytes. Errors are CodecErrors without a location. */
export async function readShardIndex(
  fh: FileHandle,
  fileSize: number,
  chunksPerShard: number,
  codecs: IndexCodecs,
): Promise<ShardIndex> {
  const indexBytes = shardIndexBytes(chunksPerShard, codecs);
  if (fileSize < indexBytes) {
    throw new CodecError(
      `shard has ${fileSize} bytes, fewer than its ${indexBytes}-byte index of ${chunksPerShard} inner chunks`,
    );
  }
  const position = codecs.indexLocation === "end" ? fileSize - indexBytes : 0;
  const raw = new Uint8Array(indexBytes);
  const { bytesRead } = await fh.read(raw, 0, indexBytes, position);
  if (bytesRead !== indexBytes) throw new CodecError(`shard index: read ${bytesRead} of ${indexBytes} bytes`);
  const body = codecs.indexCrc32c ? stripCrc32c(raw) : raw;
  const dataStart = codecs.indexLocation === "start" ? indexBytes : 0;
  const dataEnd = codecs.indexLocation === "end" ? fileSize - indexBytes : fileSize;
  return new ShardIndex(decodeEntries(body, codecs.indexEndian === "little", dataStart, dataEnd));
}

function decodeEntries(body: Uint8Array, little: boolean, dataStart: number, dataEnd: number): Float64Array {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const n = body.byteLength / 16;
  const entries = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const offset = view.getBigUint64(16 * i, little),
      length = view.getBigUint64(16 * i + 8, little);
    if (offset === EMPTY_ENTRY && length === EMPTY_ENTRY) {
      entries[2 * i] = NaN;
      continue;
    }
    if (
      offset === EMPTY_ENTRY ||
      length === EMPTY_ENTRY ||
      offset < BigInt(dataStart) ||
      offset + length > BigInt(dataEnd)
    ) {
      throw new CodecError(
        `shard index entry ${i} says bytes [${offset}, ${offset + length}), outside the shard's data [${dataStart}, ${dataEnd})`,
      );
    }
    entries[2 * i] = Number(offset);
    entries[2 * i + 1] = Number(length);
  }
  return entries;
}

/** Encodes [offset, length] per inner chunk (undefined = empty) with the index codecs. */
export function encodeShardIndex(
  ranges: readonly ({ offset: number; length: number } | undefined)[],
  codecs: IndexCodecs,
): Uint8Array {
  const body = new Uint8Array(16 * ranges.length);
  const view = new DataView(body.buffer);
  const little = codecs.indexEndian === "little";
  ranges.forEach((r, i) => {
    view.setBigUint64(16 * i, r ? BigInt(r.offset) : EMPTY_ENTRY, little);
    view.setBigUint64(16 * i + 8, r ? BigInt(r.length) : EMPTY_ENTRY, little);
  });
  return codecs.indexCrc32c ? appendCrc32c(body) : body;
}

/** Opens the shard file and reads its index; undefined when the file is absent. */
export async function readShardIndexFile(
  path: string,
  chunksPerShard: number,
  codecs: IndexCodecs,
): Promise<ShardIndex | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    return await readShardIndex(fh, size, chunksPerShard, codecs);
  } finally {
    await fh.close();
  }
}
