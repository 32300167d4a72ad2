/**
 * zarr v3 shards: a corrupt or truncated shard index (checksum, offsets, size) or a wrong-size inner
 * chunk is an error naming the store, the array and the shard; a row block of a 1 GiB shard reads
 * only its index and the inner chunks it needs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CodecError } from "../src/errors.ts";
import { createRowWriter } from "../src/store/row-writer.ts";
import { encodeShardIndex } from "../src/store/shard-index.ts";
import type { ArrayNode } from "../src/store/tree.ts";
import { ZarrV3Tree } from "../src/store/zarr-v3-tree.ts";
import { ZarrV3ArrayWriter } from "../src/store/zarr-v3-writer.ts";
import { tempDir } from "./helpers/paths.ts";

const arange = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

// ---- corrupt shards

/** 8 × 2 float32, shards of 4 rows, inner chunks of 2 rows, gzip: two shards of two inner chunks. */
async function smallSharded(dir: string): Promise<string> {
  const w = await createRowWriter(3, join(dir, "a"), {
    shape: [8, 2],
    dtype: "<f4",
    chunkRows: 4,
    innerRows: 2,
    compressor: { id: "gzip", level: 1 },
  });
  await w.append(Float32Array.from(arange(16)), 8);
  await w.finish();
  writeFileSync(join(dir, "zarr.json"), JSON.stringify({ zarr_format: 3, node_type: "group", attributes: {} }));
  return join(dir, "a/c/0/0");
}

/** The shard's index (2 inner chunks, crc32c at the end) and its data. */
function splitShard(bytes: Buffer): { data: Buffer; ranges: { offset: number; length: number }[] } {
  const size = 2 * 16 + 4;
  const index = bytes.subarray(bytes.length - size);
  const ranges = [0, 1].map((i) => ({
    offset: Number(index.readBigUInt64LE(16 * i)),
    length: Number(index.readBigUInt64LE(16 * i + 8)),
  }));
  return { data: bytes.subarray(0, bytes.length - size), ranges };
}

const INDEX_END = { indexEndian: "little", indexCrc32c: true, indexLocation: "end" } as const;

async function expectCorrupt(dir: string, pattern: RegExp): Promise<void> {
  const node = (await new ZarrV3Tree(dir).get("a")) as ArrayNode;
  await assert.rejects(node.read(0, 2), (err: unknown) => {
    assert.ok(err instanceof CodecError, String(err));
    assert.equal(err.file, dir);
    assert.equal(err.key, "a");
    assert.match(err.message, pattern);
    assert.match(err.message, /shard 'c\/0\/0'/);
    assert.match(err.fix ?? "", /re-create the store/);
    return true;
  });
}

test("a corrupt or truncated shard index is an error naming the store, the array and the shard", async (t) => {
  const cases: [string, (path: string) => void, RegExp][] = [
    ["a flipped index byte", (p) => flipByte(p, readFileSync(p).length - 10), /index: crc32c checksum mismatch/],
    ["a flipped checksum", (p) => flipByte(p, readFileSync(p).length - 1), /index: crc32c checksum mismatch/],
    [
      "a shard shorter than its index",
      (p) => writeFileSync(p, readFileSync(p).subarray(0, 20)),
      /fewer than its 36-byte index/,
    ],
    [
      "data cut out, offsets now past the end (checksum made valid)",
      (p) => {
        const { data, ranges } = splitShard(readFileSync(p));
        writeFileSync(p, Buffer.concat([data.subarray(0, 10), encodeShardIndex(ranges, INDEX_END)]));
      },
      /index entry \d says bytes \[\d+, \d+\), outside the shard's data \[0, 10\)/,
    ],
    [
      "an inner chunk that decodes to 12 bytes instead of 16",
      (p) => {
        const { data, ranges } = splitShard(readFileSync(p));
        const short = gzipSync(Buffer.from(Float32Array.from([0, 1, 2]).buffer));
        const second = data.subarray(ranges[1]!.offset, ranges[1]!.offset + ranges[1]!.length);
        const fixed = [
          { offset: 0, length: short.length },
          { offset: short.length, length: second.length },
        ];
        writeFileSync(p, Buffer.concat([short, second, encodeShardIndex(fixed, INDEX_END)]));
      },
      /inner chunk \[0, 0\]: decodes to 12 bytes, the chunk needs 16/,
    ],
  ];
  for (const [what, corrupt, pattern] of cases) {
    const dir = tempDir(t);
    corrupt(await smallSharded(dir));
    await expectCorrupt(dir, pattern).catch((err) => assert.fail(`${what}: ${err.message}`));
  }
  // the metadata says 4 inner chunks per shard, the files hold 2: the index read is wrong
  const dir = tempDir(t);
  await smallSharded(dir);
  const meta = JSON.parse(readFileSync(join(dir, "a/zarr.json"), "utf8"));
  meta.codecs[0].configuration.chunk_shape = [1, 2];
  writeFileSync(join(dir, "a/zarr.json"), JSON.stringify(meta));
  await expectCorrupt(dir, /index: (crc32c checksum mismatch|shard has \d+ bytes, fewer)/);
});

function flipByte(path: string, at: number): void {
  const bytes = readFileSync(path);
  bytes[at]! ^= 0xff;
  writeFileSync(path, bytes);
}

// ---- partial reads

test("a row block of a 1 GiB shard reads its index and the inner chunks it needs, nothing more", async (t) => {
  const dir = tempDir(t);
  // 262,144 × 1,024 float32 = 1 GiB in one shard of 256 inner chunks of 1,024 rows (4 MiB each).
  // Inner chunks 0, 100 and 255 are stored where an uncompressed layout would put them: the shard
  // file is 1 GiB long (sparse on disk); the others are empty (fill value 0).
  const [rows, cols, inner] = [262_144, 1_024, 1_024];
  await ZarrV3ArrayWriter.create(join(dir, "big"), {
    shape: [rows, cols],
    chunks: [rows, cols],
    innerChunks: [inner, cols],
    dtype: "<f4",
    compressor: { id: "gzip", level: 1 },
  });
  writeFileSync(join(dir, "zarr.json"), JSON.stringify({ zarr_format: 3, node_type: "group", attributes: {} }));
  mkdirSync(join(dir, "big/c/0"), { recursive: true });
  const shardPath = join(dir, "big/c/0/0");
  const fd = openSync(shardPath, "w");
  const ranges: ({ offset: number; length: number } | undefined)[] = new Array(256).fill(undefined);
  for (const k of [0, 100, 255]) {
    const block = Float32Array.from({ length: inner * cols }, (_, i) => k + (i % cols) / cols);
    const bytes = gzipSync(Buffer.from(block.buffer), { level: 1 });
    ranges[k] = { offset: k * inner * cols * 4, length: bytes.length };
    writeSync(fd, bytes, 0, bytes.length, ranges[k]!.offset);
  }
  const index = encodeShardIndex(ranges, INDEX_END);
  writeSync(fd, index, 0, index.length, 256 * inner * cols * 4);
  closeSync(fd);
  assert.ok(statSync(shardPath).size > 2 ** 30, "the shard file is 1 GiB long");

  const tree = new ZarrV3Tree(dir);
  const node = (await tree.get("big")) as ArrayNode;
  assert.equal(node.chunkRows, inner, "reads align to inner chunks");
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const got = (await node.read(100 * inner + 10, 100 * inner + 30)) as Float32Array;
  assert.equal(got.length, 20 * cols);
  assert.equal(got[0], 100);
  assert.equal(got[cols + 512], 100.5);
  const indexBytes = 256 * 16 + 4;
  assert.deepEqual(
    tree.stats,
    { reads: 2, bytes: indexBytes + ranges[100]!.length },
    "the index, then inner chunk 100",
  );
  // an empty inner chunk costs no read (the index is cached); a block across 99–101 reads only 100
  assert.ok(((await node.read(50 * inner, 50 * inner + 5)) as Float32Array).every((v) => v === 0));
  await node.read(99 * inner + 1000, 101 * inner + 10);
  assert.deepEqual(tree.stats, { reads: 3, bytes: indexBytes + 2 * ranges[100]!.length });
  const grown = (process.memoryUsage().rss - rss0) / 2 ** 20;
  t.diagnostic(
    `bytes read ${tree.stats.bytes} of a ${statSync(shardPath).size}-byte shard; RSS grew ${grown.toFixed(1)} MiB`,
  );
  assert.ok(grown < 128, `RSS grew ${grown.toFixed(0)} MiB reading from a 1 GiB shard (inner chunks are 4 MiB)`);
});
