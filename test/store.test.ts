/** The zarr v2 reader and writer on layouts other tools write, and the lock file. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { compressorFor } from "../src/store/codecs/chain.ts";
import { decodeVlenUtf8, encodeVlenUtf8 } from "../src/store/codecs/vlen-utf8.ts";
import { withLock } from "../src/store/lock.ts";
import { ZarrTree } from "../src/store/zarr-tree.ts";
import { ZarrArrayWriter } from "../src/store/zarr-writer.ts";
import { REAL, tempDir } from "./helpers/paths.ts";
import { anndataAvailable, python } from "./helpers/python.ts";

test("codecs round-trip: gzip, zlib, zstd, blosc, lz4, vlen-utf8", async () => {
  const bytes = new Uint8Array(
    new Float32Array(Array.from({ length: 4096 }, (_, i) => (i % 7 === 0 ? i / 3 : 0))).buffer,
  );
  for (const config of [
    { id: "gzip", level: 1 },
    { id: "zlib", level: 5 },
    { id: "zstd", level: 3 },
    { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 },
    { id: "lz4" },
  ]) {
    const codec = compressorFor(config);
    assert.deepEqual(new Uint8Array(await codec.decode(await codec.encode(bytes))), bytes, config.id);
  }
  const strings = ["", "ENSG00000141510", "ünïcødé", "a".repeat(300)];
  assert.deepEqual(decodeVlenUtf8(encodeVlenUtf8(strings)), strings);
});

test("2-d reads across chunk boundaries, C and F order, '/' separators, missing chunks = fill", async (t) => {
  const dir = tempDir(t);
  const rows = 7,
    cols = 5;
  const values = Float64Array.from({ length: rows * cols }, (_, i) => i + 0.5);
  for (const [order, sep] of [
    ["C", "."],
    ["F", "/"],
  ] as const) {
    const arr = join(dir, `a_${order}`);
    mkdirSync(arr);
    writeFileSync(
      join(arr, ".zarray"),
      JSON.stringify({
        zarr_format: 2,
        shape: [rows, cols],
        chunks: [3, 2],
        dtype: "<f8",
        compressor: null,
        fill_value: -1,
        filters: null,
        order,
        dimension_separator: sep,
      }),
    );
    for (let ci = 0; ci * 3 < rows; ci++) {
      for (let cj = 0; cj * 2 < cols; cj++) {
        if (ci === 1 && cj === 1) continue; // left out: reads as fill_value
        const chunk = new Float64Array(6);
        for (let a = 0; a < 3; a++)
          for (let b = 0; b < 2; b++) {
            const r = ci * 3 + a,
              c = cj * 2 + b;
            const v = r < rows && c < cols ? values[r * cols + c]! : 0;
            chunk[order === "C" ? a * 2 + b : b * 3 + a] = v;
          }
        const path = sep === "/" ? join(arr, String(ci), String(cj)) : join(arr, `${ci}.${cj}`);
        mkdirSync(join(path, ".."), { recursive: true });
        writeFileSync(path, new Uint8Array(chunk.buffer));
      }
    }
    const node = await new ZarrTree(dir).get(`a_${order}`);
    assert.ok(node?.kind === "array");
    const got = (await node.read(2, 6)) as Float64Array;
    const expected = Float64Array.from({ length: 4 * cols }, (_, i) => {
      const r = 2 + Math.floor(i / cols),
        c = i % cols;
      return r >= 3 && r < 6 && c >= 2 && c < 4 ? -1 : values[r * cols + c]!;
    });
    assert.deepEqual(got, expected, `order ${order}`);
  }
});

test("our writer's strings, numbers and padding read back in Python's zarr", {
  skip: anndataAvailable() ? false : "needs python3-zarr",
}, async (t) => {
  const dir = tempDir(t);
  const s = await ZarrArrayWriter.create(join(dir, "s"), { shape: [3], chunks: [2], dtype: "|O" });
  await s.writeChunk([0], ["a", "ß"]);
  await s.writeChunk([1], ["last"]);
  const f = await ZarrArrayWriter.create(join(dir, "f"), { shape: [3, 2], chunks: [2, 2], dtype: "<f4" });
  await f.writeChunk([0, 0], new Float32Array([1, 2, 3, 4]));
  await f.writeChunk([1, 0], new Float32Array([5, 6]));
  writeFileSync(join(dir, ".zgroup"), JSON.stringify({ zarr_format: 2 }));
  const got = python<{ s: string[]; f: number[][] }>(
    "import sys, json, zarr; g = zarr.open_group(sys.argv[1], 'r'); print(json.dumps({'s': list(g['s'][:]), 'f': g['f'][:].tolist()}))",
    [dir],
  );
  assert.deepEqual(got, {
    s: ["a", "ß", "last"],
    f: [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
  });
});

test("h5ad and zarr copies of a dataset read the same: categoricals, strings, numbers", async () => {
  const z = await AnnDataReader.open(join(REAL, "pbmc68k_reduced_counts.zarr"));
  const h = await AnnDataReader.open(join(REAL, "pbmc68k_reduced_counts.h5ad"));
  for (const col of ["cell_type", "n_counts", "batch"])
    assert.deepEqual(await z.column("obs", col), await h.column("obs", col), col);
  assert.deepEqual(await z.varNames(), await h.varNames());
  assert.deepEqual(await z.column("var", "ensembl_id"), await h.column("var", "ensembl_id"));
  const [bz, bh] = await Promise.all([
    (await z.matrix("X")).readRows(100, 400),
    (await h.matrix("X")).readRows(100, 400),
  ]);
  assert.deepEqual(bz, bh);
  assert.deepEqual(
    (await z.obsm()).map((e) => [e.key, e.shape]),
    [["X_pca_scanpy", [700, 50]]],
  );
  z.close();
  h.close();
});

test("a lock left by a dead process is broken; a live one is waited for", async (t) => {
  const dir = tempDir(t);
  const lock = join(dir, "store.zarr.lock");
  writeFileSync(lock, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 12345, token: "dead" }));
  assert.equal(
    await withLock(lock, "store", async () => readFileSync(lock, "utf8").includes(String(process.pid)), {
      timeoutMs: 5000,
    }),
    true,
  );
  const order: string[] = [];
  const first = withLock(lock, "store", async () => {
    order.push("first in");
    await new Promise((r) => setTimeout(r, 200));
    order.push("first out");
  });
  await new Promise((r) => setTimeout(r, 20));
  await withLock(lock, "store", async () => void order.push("second"), { timeoutMs: 5000 });
  await first;
  assert.deepEqual(order, ["first in", "first out", "second"]);
  writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, token: "mine-elsewhere" }));
  await assert.rejects(
    withLock(lock, "store", async () => {}, { timeoutMs: 300 }),
    /timed out waiting for the lock on store.*held by pid/s,
  );
});
