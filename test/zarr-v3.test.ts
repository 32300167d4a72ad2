/**
 * zarr v3: the array layer against arrays written by zarr-python 3 (zarrita.js's fixtures), our
 * writer's round trip checked by hand (shard index, crc32c, offsets), corrupt shards named by
 * file and key, and partial reads that touch only the inner chunks a row block needs.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CodecError, InputError } from "../src/errors.ts";
import { crc32c } from "../src/store/codecs/crc32c.ts";
import type { ArrayData, Dtype } from "../src/store/dtype.ts";
import { openTree } from "../src/store/open-tree.ts";
import { createRowWriter } from "../src/store/row-writer.ts";
import type { ArrayNode } from "../src/store/tree.ts";
import { EMPTY_ENTRY, encodeShardIndex, readShardIndexFile } from "../src/store/shard-index.ts";
import { ZarrV3Tree } from "../src/store/zarr-v3-tree.ts";
import { ZarrV3ArrayWriter } from "../src/store/zarr-v3-writer.ts";
import { DEMO_H5AD, FIXTURES, REAL, tempDir } from "./helpers/paths.ts";

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
  writeFileSync(
    join(dir, "v2keys/zarr.json"),
    JSON.stringify({ ...meta, chunk_key_encoding: { name: "v2", configuration: { separator: "." } } }),
  );
  for (const [i, j] of [
    [0, 0],
    [0, 1],
    [1, 0],
    [1, 1],
  ])
    renameSync(join(dir, `v2keys/c/${i}/${j}`), join(dir, `v2keys/${i}.${j}`));
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
  assert.deepEqual(
    Array.from((await ((await tree.get("g/nested/1d.i2")) as ArrayNode).readAll()) as Int16Array),
    [10, 20, 30, 40],
  );
  assert.deepEqual(
    Array.from((await ((await tree.get("g/1d.chunked.i2")) as ArrayNode).read(1, 3)) as Int16Array),
    [2, 3],
  );
});

/** Rewrites a shard of `inner` chunks (index bytes + crc32c at its end) with the index at its start. */
function moveIndexToStart(path: string, inner: number): void {
  const bytes = readFileSync(path);
  const size = 16 * inner + 4;
  const data = bytes.subarray(0, bytes.length - size);
  const index = new DataView(bytes.buffer, bytes.byteOffset + data.length, 16 * inner);
  const ranges = Array.from({ length: inner }, (_, i) => {
    const offset = index.getBigUint64(16 * i, true);
    return offset === EMPTY_ENTRY
      ? undefined
      : { offset: Number(offset) + size, length: Number(index.getBigUint64(16 * i + 8, true)) };
  });
  writeFileSync(
    path,
    Buffer.concat([
      encodeShardIndex(ranges, { indexEndian: "little", indexCrc32c: true, indexLocation: "start" }),
      data,
    ]),
  );
}

// ---- our writer, checked by hand

test("crc32c is CRC-32C (Castagnoli): the standard check value", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
});

test("a sharded array we write has the layout of the spec: index entries, crc32c, offsets, gzip inner chunks", async (t) => {
  const dir = tempDir(t);
  // 10 rows × 3 int32 in shards of 4 rows, inner chunks of 2 rows: the last shard holds rows 8–9 only
  const values = Int32Array.from(arange(30, 100));
  const writer = await createRowWriter(3, join(dir, "a"), {
    shape: [10, 3],
    dtype: "<i4",
    chunkRows: 4,
    innerRows: 2,
    compressor: { id: "gzip", level: 1 },
  });
  await writer.append(values.subarray(0, 12), 4);
  await writer.append(values.subarray(12), 6);
  await writer.finish();
  const meta = JSON.parse(readFileSync(join(dir, "a/zarr.json"), "utf8"));
  assert.deepEqual(meta.chunk_grid.configuration.chunk_shape, [4, 3]);
  assert.deepEqual(meta.codecs[0].configuration.chunk_shape, [2, 3]);
  assert.deepEqual(meta.codecs[0].configuration.index_codecs, [
    { name: "bytes", configuration: { endian: "little" } },
    { name: "crc32c" },
  ]);
  for (const shard of [0, 1, 2]) {
    const bytes = readFileSync(join(dir, `a/c/${shard}/0`));
    const indexBytes = 2 * 16 + 4;
    const body = bytes.subarray(bytes.length - indexBytes, bytes.length - 4);
    assert.equal(bytes.readUInt32LE(bytes.length - 4), crc32c(body), `shard ${shard}: crc32c of the index`);
    let end = 0;
    for (let inner = 0; inner < 2; inner++) {
      const [offset, length] = [body.readBigUInt64LE(16 * inner), body.readBigUInt64LE(16 * inner + 8)];
      if (shard === 2 && inner === 1) {
        assert.deepEqual([offset, length], [EMPTY_ENTRY, EMPTY_ENTRY], "past the last row: empty");
        continue;
      }
      assert.equal(Number(offset), end, "inner chunks follow each other from byte 0");
      end = Number(offset + length);
      const rows = new Int32Array(new Uint8Array(gunzipSync(bytes.subarray(Number(offset), end))).buffer);
      const first = (shard * 4 + inner * 2) * 3;
      assert.deepEqual(Array.from(rows), arange(6, 100 + first), `shard ${shard} inner ${inner}`);
    }
    assert.equal(end, bytes.length - indexBytes, "the index follows the data");
  }
  assert.deepEqual(Array.from((await readArray(dir, "a")) as number[]), arange(30, 100));
  assert.deepEqual(
    Array.from((await ((await new ZarrV3Tree(dir).get("a")) as ArrayNode).read(3, 9)) as Int32Array),
    arange(18, 109),
  );
});

test("our writer round-trips every data type, strings and 0-d arrays, with zstd, blosc and an index at the start", async (t) => {
  const dir = tempDir(t);
  const cases: [string, Dtype, ArrayData][] = [
    ["bool", "|b1", Uint8Array.from([1, 0, 0, 1, 1])],
    ["i8", "<i8", BigInt64Array.from([-5n, 2n ** 40n, 0n, 7n, 9n])],
    ["u2", "<u2", Uint16Array.from([1, 65535, 3, 4, 5])],
    ["f8", "<f8", Float64Array.from([0.5, -1e300, NaN, 4, 5])],
    ["str", "|O", ["", "ENSG00000141510", "ünïcødé", "🚀", "x"]],
  ];
  for (const [name, dtype, data] of cases) {
    for (const compressor of [{ id: "zstd", level: 3 }, { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 }, null]) {
      const key = `${name}-${compressor?.id ?? "raw"}`;
      const w = await ZarrV3ArrayWriter.create(join(dir, key), {
        shape: [5],
        chunks: [4],
        innerChunks: [2],
        dtype,
        compressor,
        indexLocation: "start",
      });
      for (const shard of [0, 1]) {
        const sw = await w.openShard([shard]);
        for (let inner = 0; inner < 2 && shard * 4 + inner * 2 < 5; inner++) {
          const a = shard * 4 + inner * 2;
          const piece = Array.from(
            { length: 2 },
            (_, i) =>
              (data as ArrayLike<unknown>)[a + i] ?? (Array.isArray(data) ? "" : typeof data[0] === "bigint" ? 0n : 0),
          );
          await sw.write(
            inner,
            Array.isArray(data)
              ? (piece as string[])
              : new (data.constructor as new (x: unknown[]) => ArrayData)(piece),
          );
        }
        await sw.close();
      }
      assert.deepEqual(Array.from(await readArray(dir, key)), Array.from(data as ArrayLike<unknown>), key);
    }
  }
  const empty = await createRowWriter(3, join(dir, "empty"), { shape: [0, 4], dtype: "<f4", chunkRows: 1 });
  await empty.finish();
  assert.deepEqual(await readArray(dir, "empty"), []);
  const scalar = await ZarrV3ArrayWriter.create(join(dir, "scalar"), {
    shape: [],
    chunks: [],
    dtype: "|O",
    compressor: null,
  });
  await scalar.writeChunk([], ["made by scembed"]);
  assert.deepEqual(await readArray(dir, "scalar"), ["made by scembed"]);
});

// ---- the anndata-0.13-style fixture

test("the demo's first 500 cells as anndata 0.13 writes zarr v3: the h5ad's values, sharded and consolidated as documented", async () => {
  const store = join(REAL, "pbmc_10x_3chem.first500.v3.zarr");
  const [v3, h5] = [await openTree(store), await openTree(DEMO_H5AD)];
  const get = async (tree: typeof v3, key: string) => (await tree.get(key)) as ArrayNode;
  const indptr = (await (await get(v3, "X/indptr")).readAll()) as Int32Array;
  assert.deepEqual(Array.from(indptr), Array.from((await (await get(h5, "X/indptr")).read(0, 501)) as Int32Array));
  const nnz = indptr[500]!;
  for (const key of ["X/data", "X/indices", "layers/counts/data", "layers/counts/indices"]) {
    const expected = (await (await get(h5, key)).read(0, nnz)) as ArrayLike<number>;
    const node = await get(v3, key);
    assert.deepEqual([node.shape, node.chunkRows], [[nnz], 65_536], key);
    assert.equal(node.storage, "zarr v3, shards [262144] of inner chunks [65536], bytes+zstd(19)", key);
    assert.deepEqual(Array.from((await node.readAll()) as ArrayLike<number>), Array.from(expected), key);
  }
  // X/data: 3 shards of 4 inner chunks; the last holds one inner chunk and 3 empty entries
  assert.deepEqual(readdirSync(join(store, "X/data/c")).sort(), ["0", "1", "2"]);
  const last = await readShardIndexFile(join(store, "X/data/c/2"), 4, {
    indexEndian: "little",
    indexCrc32c: true,
    indexLocation: "end",
  });
  assert.deepEqual(
    [0, 1, 2, 3].map((i) => last!.range(i) !== undefined),
    [true, false, false, false],
  );
  // strings as nullable-string-array; an all-False mask has no shard file and reads as fill
  const index = await v3.get("obs/_index");
  assert.deepEqual(index?.attrs, {
    "na-value": "NaN",
    "encoding-type": "nullable-string-array",
    "encoding-version": "0.1.0",
  });
  assert.deepEqual(
    await (await get(v3, "obs/_index/values")).readAll(),
    await (await get(h5, "obs/_index")).read(0, 500),
  );
  assert.ok(((await (await get(v3, "obs/_index/mask")).readAll()) as Uint8Array).every((v) => v === 0));
  // the root lists every node below it
  const listed = Object.keys(JSON.parse(readFileSync(join(store, "zarr.json"), "utf8")).consolidated_metadata.metadata);
  const onDisk = (dir: string, key: string): string[] =>
    readdirSync(join(dir, key))
      .filter((n) => n !== "c" && statSync(join(dir, key, n)).isDirectory())
      .flatMap((n) => [`${key}${n}`, ...onDisk(dir, `${key}${n}/`)]);
  assert.deepEqual(listed.sort(), onDisk(store, "").sort());
  v3.close();
  h5.close();
});
