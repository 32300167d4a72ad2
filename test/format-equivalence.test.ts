/**
 * One dataset, three formats: the first 500 demo cells as anndata 0.13 writes them (sharded zarr
 * v3, nullable strings, consolidated metadata), as anndata 0.8 writes them (zarr v2), and the
 * whole demo .h5ad. The embeddings of the same cells are bit-identical whichever format they came
 * from; a v3 input gives a v3 output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { inspectFile } from "../src/pipeline/inspect.ts";
import { openTree } from "../src/store/open-tree.ts";
import type { ArrayNode } from "../src/store/tree.ts";
import { runCli } from "./helpers/cli.ts";
import { DEMO_H5AD, REAL, tempDir } from "./helpers/paths.ts";

const METHODS = ["gs", "gs10k", "hvg", "pca"];

async function embedding(store: string, method: string, rows: number): Promise<Buffer> {
  const tree = await openTree(store);
  try {
    const node = (await tree.get(`obsm/X_${method}`)) as ArrayNode;
    assert.equal(node?.kind, "array", `${store}: obsm/X_${method}`);
    const values = (await node.readAll()) as Float32Array;
    return Buffer.from(values.buffer, values.byteOffset, (rows * values.length * 4) / node.shape[0]!);
  } finally {
    tree.close();
  }
}

test("the anndata-0.13-style v3 store embeds bit-identically to its v2 and h5ad copies (gs, gs10k, hvg, pca)", async (t) => {
  const dir = tempDir(t);
  const out = (name: string) => join(dir, `${name}.zarr`);
  const embed = (input: string, name: string, methods: string[]) => {
    const r = runCli(["embed", "--input", input, "--output", out(name), "--methods", methods.join(","), "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
  };
  embed(join(REAL, "pbmc_10x_3chem.first500.v3.zarr"), "v3", METHODS);
  embed(join(REAL, "pbmc_10x_3chem.first500.zarr"), "v2", METHODS);
  // hvg is selected over the file's cells, so only the per-cell methods compare with all 2,860 cells
  embed(DEMO_H5AD, "h5ad", ["gs", "gs10k", "pca"]);
  assert.ok(existsSync(join(out("v3"), "zarr.json")) && !existsSync(join(out("v3"), ".zgroup")), "v3 in, v3 out");
  assert.ok(existsSync(join(out("v2"), ".zgroup")), "v2 in, v2 out");
  // inspect says how each array is stored
  const seen = await inspectFile(out("v3"));
  assert.match(seen.storage["X"]!, /^zarr v3, shards \[\d+\] of inner chunks \[\d+\], bytes\+zstd/);
  assert.ok(
    seen.obsm.every((o) => /^zarr v3, shards \[500,\d+\]/.test(o.storage ?? "")),
    JSON.stringify(seen.obsm),
  );
  assert.match((await inspectFile(out("v2"))).storage["X"]!, /^zarr v2, chunks \[\d+\], blosc/);
  for (const method of METHODS) {
    const v3 = await embedding(out("v3"), method, 500);
    assert.ok(v3.equals(await embedding(out("v2"), method, 500)), `X_${method}: v3 and v2 differ`);
    if (method !== "hvg")
      assert.ok(v3.equals(await embedding(out("h5ad"), method, 500)), `X_${method}: v3 and h5ad differ`);
  }
});
