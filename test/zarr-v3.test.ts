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
