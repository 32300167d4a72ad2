/**
 * The codec registry and the checks on every decoded chunk: each codec round-trips, an unknown one is
 * named, and a truncated, corrupt or wrong-size chunk is an error naming the store, the array and the
 * chunk. The corrupt bytes come from the real encoders, cut or sized wrong.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CodecError, InputError, ScembedError } from "../src/errors.ts";
import { compressorFor } from "../src/store/codecs/chain.ts";
import { codecIds, type CodecConfig } from "../src/store/codecs/registry.ts";
import { decodeVlenUtf8, encodeVlenUtf8 } from "../src/store/codecs/vlen-utf8.ts";
import { ZarrTree } from "../src/store/zarr-tree.ts";
import { writeGroup, ZarrArrayWriter } from "../src/store/zarr-writer.ts";
import { tempDir } from "./helpers/paths.ts";

/** float32 values with runs of zeros, like an expression matrix: every codec compresses them */
function sampleBytes(n: number): Uint8Array {
  const values = Float32Array.from({ length: n }, (_, i) => (i % 7 === 0 ? Math.sin(i) * 100 : 0));
  return new Uint8Array(values.buffer);
}

const ROUND_TRIPS: CodecConfig[] = [
  { id: "gzip", level: 1 },
  { id: "gzip", level: 9 },
  { id: "zlib", level: 5 },
  { id: "zstd", level: 3 },
  { id: "zstd", level: 19 },
  { id: "lz4" },
  { id: "lz4", acceleration: 8 },
  ...["lz4", "lz4hc", "zstd", "blosclz", "zlib"].flatMap((cname) =>
    [0, 1, 2].map((shuffle) => ({ id: "blosc", cname, clevel: 5, shuffle, blocksize: 0 })),
  ),
  { id: "blosc", cname: "lz4", clevel: 0, shuffle: 1 }, // stored uncompressed (memcpyed)
  { id: "blosc", cname: "zstd", clevel: 5, shuffle: 1, blocksize: 4096 }, // many blocks
  // zarr v3's: the reader adds the element size (and for transpose the chunk shape) to the config
  { id: "bytes", endian: "big", itemsize: 4 },
  { id: "bytes", endian: "little", itemsize: 8 },
  { id: "crc32c" },
  { id: "transpose", order: [1, 0], shape: [5, 10], itemsize: 4 }, // permutes the 50-element case
];

test("every registered codec round-trips, at sizes from one element to several blosc blocks", async () => {
  assert.deepEqual(new Set(ROUND_TRIPS.map((c) => c.id)), new Set(codecIds()), "a round trip per registered codec");
  for (const config of ROUND_TRIPS) {
    const codecs = compressorFor(config);
    for (const n of [1, 50, 4096, 200_001]) {
      const bytes = sampleBytes(n);
      const label = `${JSON.stringify(config)} × ${n}`;
      assert.deepEqual(new Uint8Array(await codecs.decode(await codecs.encode(bytes), bytes.byteLength)), bytes, label);
    }
  }
  const strings = ["", "ENSG00000141510", "ünïcødé", "a".repeat(300)];
  assert.deepEqual(decodeVlenUtf8(encodeVlenUtf8(strings), strings.length), strings);
});

test("an unknown codec id is a ScembedError naming it and the known ones", () => {
  assert.throws(
    () => compressorFor({ id: "bz2" }),
    (err: unknown) => {
      assert.ok(err instanceof ScembedError);
      assert.match(err.message, /unknown codec 'bz2'/);
      assert.match(err.fix ?? "", /blosc, bytes, crc32c, gzip, lz4, transpose, zlib, zstd/);
      return true;
    },
  );
});

test("an unknown compressor in .zarray names the store and the array when the array opens", async (t) => {
  const store = await emptyStore(t);
  await ZarrArrayWriter.create(join(store, "X"), { shape: [4], chunks: [4], dtype: "<f4" });
  const meta = JSON.parse(readFileSync(join(store, "X/.zarray"), "utf8"));
  writeFileSync(join(store, "X/.zarray"), JSON.stringify({ ...meta, compressor: { id: "snappy" } }));
  await assert.rejects(new ZarrTree(store).get("X"), (err: unknown) => {
    assert.ok(err instanceof CodecError);
    assert.equal(err.file, store);
    assert.equal(err.key, "X");
    assert.match(err.message, /unknown codec 'snappy'/);
    return true;
  });
});

test("a codec option its class rejects fails before the writer writes anything", async (t) => {
  const store = await emptyStore(t);
  const spec = { shape: [4], chunks: [4], dtype: "<f4" as const, compressor: { id: "blosc", cname: "brotli" } };
  await assert.rejects(ZarrArrayWriter.create(join(store, "X"), spec), (err: unknown) => {
    assert.ok(err instanceof CodecError);
    assert.match(err.message, /brotli/);
    return true;
  });
  assert.equal(existsSync(join(store, "X")), false);
});

const ROWS = 60,
  COLS = 8,
  CHUNK_ROWS = 40;
const CORRUPTIBLE: CodecConfig[] = [
  { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 },
  { id: "blosc", cname: "zstd", clevel: 5, shuffle: 2 },
  { id: "gzip", level: 1 },
  { id: "zlib", level: 1 },
  { id: "zstd", level: 3 },
  { id: "lz4" },
];

/** A float32 [ROWS, COLS] array "X" in a new store, chunked by CHUNK_ROWS rows, written by the real encoder. */
async function writeArray(t: { after(fn: () => void): void }, compressor: CodecConfig | null): Promise<string> {
  const store = await emptyStore(t);
  const spec = { shape: [ROWS, COLS], chunks: [CHUNK_ROWS, COLS], dtype: "<f4" as const, compressor };
  const writer = await ZarrArrayWriter.create(join(store, "X"), spec);
  const values = new Float32Array(sampleBytes(ROWS * COLS).buffer);
  for (let ci = 0; ci * CHUNK_ROWS < ROWS; ci++) {
    const rows = values.subarray(ci * CHUNK_ROWS * COLS, Math.min(ROWS, (ci + 1) * CHUNK_ROWS) * COLS);
    await writer.writeChunk([ci, 0], rows);
  }
  return store;
}

async function emptyStore(t: { after(fn: () => void): void }): Promise<string> {
  const store = join(tempDir(t), "s.zarr");
  await writeGroup(store, {});
  return store;
}

/** Reading X fails with an InputError naming the store, the array, the chunk, `detail` and a fix. */
async function assertChunkError(store: string, chunk: string, detail: RegExp): Promise<void> {
  const array = await new ZarrTree(store).get("X");
  assert.ok(array?.kind === "array");
  await assert.rejects(array.readAll(), (err: unknown) => {
    assert.ok(err instanceof InputError, String(err));
    assert.equal(err.file, store);
    assert.equal(err.key, "X");
    assert.match(err.message, new RegExp(`chunk '${chunk.replace(".", "\\.")}' is corrupt`));
    assert.match(err.message, detail);
    assert.match(err.fix ?? "", /corrupt or truncated: re-create/);
    return true;
  });
}

test("the arrays read back before any corruption", async (t) => {
  for (const compressor of [null, ...CORRUPTIBLE]) {
    const array = await new ZarrTree(await writeArray(t, compressor)).get("X");
    assert.ok(array?.kind === "array");
    const values = (await array.readAll()) as Float32Array;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    assert.deepEqual(bytes, sampleBytes(ROWS * COLS), JSON.stringify(compressor));
  }
});

test("a chunk truncated to half its size is an error naming the chunk, for every codec", async (t) => {
  for (const compressor of CORRUPTIBLE) {
    const store = await writeArray(t, compressor);
    const path = join(store, "X/0.0");
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, bytes.byteLength >> 1));
    await assertChunkError(store, "0.0", new RegExp(`${compressor.id}: `));
  }
});

test("a blosc chunk cut to half says the header's size disagrees with the file", async (t) => {
  const store = await writeArray(t, CORRUPTIBLE[0]!);
  const bytes = readFileSync(join(store, "X/1.0"));
  writeFileSync(join(store, "X/1.0"), bytes.subarray(0, bytes.byteLength >> 1));
  const detail = `blosc: header says ${bytes.byteLength} bytes, the chunk has ${bytes.byteLength >> 1}`;
  await assertChunkError(store, "1.0", new RegExp(detail));
  writeFileSync(join(store, "X/1.0"), bytes.subarray(0, 10));
  await assertChunkError(store, "1.0", /shorter than blosc's 16-byte header/);
});

test("blosc header fields that disagree with each other are errors", async () => {
  const codecs = compressorFor({ id: "blosc", cname: "zstd", clevel: 5, shuffle: 1, blocksize: 4096 });
  const good = await codecs.encode(sampleBytes(4096)); // four blocks of 4096 bytes
  const edited = (edit: (v: DataView) => void) => {
    const copy = good.slice();
    edit(new DataView(copy.buffer));
    return copy;
  };
  const cases: [string, Uint8Array, RegExp][] = [
    ["a future format version", edited((v) => v.setUint8(0, 9)), /format version 9/],
    ["typesize 0", edited((v) => v.setUint8(3, 0)), /typesize 0/],
    ["block size 0", edited((v) => v.setUint32(8, 0, true)), /block size 0/],
    ["a block offset past the end", edited((v) => v.setUint32(20, good.byteLength + 5, true)), /block 1 starts at/],
    ["a block offset inside the table", edited((v) => v.setUint32(16, 3, true)), /block 0 starts at byte 3/],
  ];
  for (const [label, bytes, message] of cases) {
    const named = (err: unknown) => err instanceof CodecError && message.test(err.message);
    await assert.rejects(codecs.decode(bytes, 4096 * 4), named, label);
  }
  const uncompressed = compressorFor({ id: "blosc", cname: "lz4", clevel: 0, shuffle: 0 });
  const stored = (await uncompressed.encode(sampleBytes(64))).slice();
  new DataView(stored.buffer).setUint32(4, 64 * 4 - 8, true);
  await assert.rejects(uncompressed.decode(stored), /stored uncompressed, yet/);
});

test("a chunk that decodes cleanly to the wrong size is an error naming the chunk, for every codec", async (t) => {
  for (const compressor of [null, ...CORRUPTIBLE]) {
    for (const elements of [CHUNK_ROWS * COLS - 3, CHUNK_ROWS * COLS * 2]) {
      const store = await writeArray(t, compressor);
      const wrong = await compressorFor(compressor).encode(sampleBytes(elements));
      writeFileSync(join(store, "X/0.0"), wrong);
      await assertChunkError(store, "0.0", new RegExp(`${elements * 4}|inflates past`));
    }
  }
});

test("a vlen-utf8 chunk with the wrong item count, cut short or with trailing bytes is an error", async (t) => {
  const store = await emptyStore(t);
  const spec = { shape: [3], chunks: [3], dtype: "|O" as const, compressor: null };
  const writer = await ZarrArrayWriter.create(join(store, "X"), spec);
  await writer.writeChunk([0], ["a", "bb", "ccc"]);
  const good = readFileSync(join(store, "X/0"));
  const cases: [Uint8Array, RegExp][] = [
    [encodeVlenUtf8(["a", "bb"]), /2 items, the chunk needs 3/],
    [good.subarray(0, good.byteLength - 2), /item 2 of 3 ends past the end/],
    [Buffer.concat([good, Buffer.from([0, 0])]), /2 bytes after the last item/],
    [good.subarray(0, 2), /shorter than the 4-byte item count/],
  ];
  for (const [bytes, detail] of cases) {
    writeFileSync(join(store, "X/0"), bytes);
    await assertChunkError(store, "0", detail);
  }
});
