/**
 * zarr v3: the array layer against arrays written by zarr-python 3 (zarrita.js's fixtures), our
 * writer's round trip checked by hand (shard index, crc32c, offsets), corrupt shards named by
 * file and key, and partial reads that touch only the inner chunks a row block needs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { CodecError, InputError } from "../src/errors.ts";
import { openTree } from "../src/store/open-tree.ts";
import type { ArrayNode } from "../src/store/tree.ts";
import { EMPTY_ENTRY, encodeShardIndex } from "../src/store/shard-index.ts";
import { ZarrV3Tree } from "../src/store/zarr-v3-tree.ts";
import { FIXTURES, tempDir } from "./helpers/paths.ts";

const ZARRITA = join(FIXTURES, "zarr-v3/zarrita/data.zarr");

async function readArray(store: string, key: string): Promise<unknown[]> {
  const node = await new ZarrV3Tree(store).get(key);
  assert.equal(node?.kind, "array", key);
  return Array.from((await (node as ArrayNode).readAll()) as ArrayLike<unknown>);
}

const arange = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

// the values scripts/generate-v3.py of zarrita.js writes (see the fixtures' README)
const EXPECTED: Record<string, unknown[]> = {
  "1d.contiguous.compressed.sharded.i2": [1, 2, 3, 4],
  "1d.contiguous.compressed.sharded.f4": [-1000.5, 0, 1000.5, 0],
  "1d.contiguous.compressed.sharded.b1": [1, 0, 1, 0],
  "1d.chunked.compressed.sharded.i2": [1, 2, 3, 4],
  "1d.chunked.filled.compressed.sharded.i2": [1, 2, 0, 0],
  "2d.chunked.compressed.sharded.filled.i2": arange(16),
  "2d.chunked.ragged.compressed.sharded.i2": arange(9, 1),
  "3d.chunked.mixed.compressed.sharded.i2": arange(27),
  "3d.chunked.mixed.i2.F": arange(27),
  "1d.contiguous.f4.be": [-1000.5, 0, 1000.5, 0],
  "1d.contiguous.blosc.i2": [1, 2, 3, 4],
  "1d.contiguous.gzip.i2": [1, 2, 3, 4],
  "1d.contiguous.raw.i2": [1, 2, 3, 4],
  "1d.contiguous.b1": [1, 0, 1, 0],
  "1d.contiguous.u1": [255, 0, 255, 0],
  "1d.contiguous.f8": [1.5, 2.5, 3.5, 4.5],
  "1d.chunked.ragged.i2": [1, 2, 3, 4, 5],
  "2d.chunked.ragged.i2": arange(9, 1),
  "1d.contiguous.string.vlen": ["hello", "world", "zarr", "v3"],
  "1d.chunked.string.vlen": ["a", "bb", "ccc", "dddd"],
  "2d.chunked.string.vlen": ["hello", "world", "foo", "bar"],
  "1d.string.unicode": ["hello", "世界", "🚀🎉", "Ñoño"],
  "1d.string.empty": ["", "test", ""],
  "consolidated/1d.chunked.i2": [1, 2, 3, 4],
  "consolidated/2d.contiguous.i2": [1, 2, 3, 4],
  "consolidated/nested/1d.i2": [10, 20, 30, 40],
};

test("zarr-python 3's arrays read as written: sharded, transposed, big-endian, strings, consolidated", async () => {
  for (const [key, expected] of Object.entries(EXPECTED)) {
    assert.deepEqual(await readArray(ZARRITA, key), expected, key);
  }
});

test("float16 and unknown codecs are refused naming the array and what to do", async () => {
  const tree = new ZarrV3Tree(ZARRITA);
  await assert.rejects(tree.get("1d.contiguous.f2.le"), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.equal(err.key, "1d.contiguous.f2.le");
    assert.match(err.message, /unsupported zarr v3 data type "float16"/);
    assert.match(err.fix ?? "", /float32/);
    return true;
  });
  await assert.rejects(tree.get("1d.contiguous.delta.i4"), (err: unknown) => {
    assert.ok(err instanceof CodecError);
    assert.equal(err.key, "1d.contiguous.delta.i4");
    assert.match(err.message, /unknown codec 'numcodecs\.delta'/);
    return true;
  });
});

test("the v2 chunk key encoding and a shard index at the start read the same values", async (t) => {
  const dir = tempDir(t);
  // v2 keys: "i.j" beside zarr.json instead of "c/i/j"
  cpSync(join(ZARRITA, "2d.chunked.ragged.i2"), join(dir, "v2keys"), { recursive: true });
  const meta = JSON.parse(readFileSync(join(dir, "v2keys/zarr.json"), "utf8"));
  writeFileSync(join(dir, "v2keys/zarr.json"), JSON.stringify({ ...meta, chunk_key_encoding: { name: "v2", configuration: { separator: "." } } }));
  for (const [i, j] of [[0, 0], [0, 1], [1, 0], [1, 1]]) renameSync(join(dir, `v2keys/c/${i}/${j}`), join(dir, `v2keys/${i}.${j}`));
  assert.deepEqual(await readArray(dir, "v2keys"), arange(9, 1));

  // the same shards with their index moved to the front: offsets shift by the index size
  cpSync(join(ZARRITA, "2d.chunked.compressed.sharded.filled.i2"), join(dir, "start"), { recursive: true });
  const sharded = JSON.parse(readFileSync(join(dir, "start/zarr.json"), "utf8"));
  sharded.codecs[0].configuration.index_location = "start";
  writeFileSync(join(dir, "start/zarr.json"), JSON.stringify(sharded));
  for (const key of ["0/0", "0/1", "1/0", "1/1"]) moveIndexToStart(join(dir, "start/c", key), 4);
  assert.deepEqual(await readArray(dir, "start"), arange(16));
});

test("consolidated metadata in a group's zarr.json is used for the nodes below it", async (t) => {
  const dir = tempDir(t);
  cpSync(join(ZARRITA, "consolidated"), join(dir, "g"), { recursive: true });
  writeFileSync(join(dir, "zarr.json"), JSON.stringify({ zarr_format: 3, node_type: "group", attributes: {} }));
  // only the consolidated metadata knows these arrays now
  for (const key of ["g/1d.chunked.i2", "g/nested/1d.i2"]) writeFileSync(join(dir, key, "zarr.json"), "not json");
  const tree = new ZarrV3Tree(dir);
  const group = await tree.get("g");
  assert.equal(group?.kind, "group");
  assert.deepEqual(group.kind === "group" && (await group.keys()), ["1d.chunked.i2", "2d.contiguous.i2", "nested"]);
  assert.deepEqual(Array.from((await ((await tree.get("g/nested/1d.i2")) as ArrayNode).readAll()) as Int16Array), [10, 20, 30, 40]);
  assert.deepEqual(Array.from((await ((await tree.get("g/1d.chunked.i2")) as ArrayNode).read(1, 3)) as Int16Array), [2, 3]);
});

/** Rewrites a shard of `inner` chunks (index bytes + crc32c at its end) with the index at its start. */
function moveIndexToStart(path: string, inner: number): void {
  const bytes = readFileSync(path);
  const size = 16 * inner + 4;
  const data = bytes.subarray(0, bytes.length - size);
  const index = new DataView(bytes.buffer, bytes.byteOffset + data.length, 16 * inner);
  const ranges = Array.from({ length: inner }, (_, i) => {
    const offset = index.getBigUint64(16 * i, true);
    return offset === EMPTY_ENTRY ? undefined : { offset: Number(offset) + size, length: Number(index.getBigUint64(16 * i + 8, true)) };
  });
  writeFileSync(path, Buffer.concat([encodeShardIndex(ranges, { indexEndian: "little", indexCrc32c: true, indexLocation: "start" }), data]));
}
