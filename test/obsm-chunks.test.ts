/**
 * An embedding's on-disk layout: blocks of thousands of rows are stored as chunks (v2) or inner
 * chunks of a shard (v3) of at most 1024 rows, compressed at once and written in order; the
 * values read back exactly, in both formats, with a short last block.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ObsmWriter } from "../src/anndata/obsm-writer.ts";
import { openTree } from "../src/store/open-tree.ts";
import { writeGroupAs } from "../src/store/zarr-node.ts";
import { tempDir } from "./helpers/paths.ts";

const N = 5000,
  DIM = 12,
  BLOCK = 4096;
const value = (i: number) => Math.sin(i) * 100;

for (const format of [2, 3] as const) {
  test(`zarr v${format}: blocks of ${BLOCK} rows are stored in 1024-row chunks and read back exactly`, async (t) => {
    const store = join(tempDir(t), "out.zarr");
    await writeGroupAs(format, store, { "encoding-type": "anndata", "encoding-version": "0.1.0" });
    const w = await ObsmWriter.begin({ store, key: "X_test", nObs: N, dim: DIM, chunkRows: BLOCK });
    for (let r0 = 0; r0 < N; r0 += BLOCK) {
      const rows = Math.min(BLOCK, N - r0);
      const view = w.nextRows(rows);
      for (let i = 0; i < rows * DIM; i++) view[i] = value(r0 * DIM + i);
      await w.advance(rows);
    }
    await w.commit();
    const dir = join(store, "obsm", "X_test");
    if (format === 2) {
      const meta = JSON.parse(readFileSync(join(dir, ".zarray"), "utf8"));
      assert.deepEqual(meta.chunks, [1024, DIM]);
    } else {
      const meta = JSON.parse(readFileSync(join(dir, "zarr.json"), "utf8"));
      assert.deepEqual(meta.chunk_grid.configuration.chunk_shape, [BLOCK, DIM]);
      assert.deepEqual(meta.codecs[0].configuration.chunk_shape, [1024, DIM]);
    }
    const tree = await openTree(store);
    const node = await tree.get("obsm/X_test");
    assert.ok(node?.kind === "array");
    const got = (await node.readAll()) as Float32Array;
    tree.close?.();
    assert.equal(got.length, N * DIM);
    const want = Float32Array.from({ length: N * DIM }, (_, i) => value(i));
    assert.ok(
      got.every((v, i) => v === want[i]),
      "every value reads back as written",
    );
  });
}
