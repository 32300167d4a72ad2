/**
 * anndata's own backward-compatibility archives (test/fixtures/anndata-archives, copied from
 * scverse/anndata): each is read, h5ad (LZF for 0.7.x) and zarr v2 alike, or refused naming what
 * is missing. Expected values were read with h5py 3.7 from the h5ad files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { readIndex } from "../src/anndata/dataframe.ts";
import { runCli } from "./helpers/cli.ts";
import { FIXTURES, tempDir } from "./helpers/paths.ts";
import { unzip } from "./helpers/unzip.ts";

const ARCHIVES = join(FIXTURES, "anndata-archives");

const V07 = {
  "v0.7.0": {
    obsCat: ["S", "W", "E", "z", "i"],
    int64: [-29, -29, 34, 26],
    x0: [6, 8, 9, 15],
    nnz: 228,
    layer00: 0.7223689307492914,
  },
  "v0.7.8": {
    obsCat: ["h", "A", "Z", "B", "w"],
    int64: [-16, -15, 0, -43],
    x0: [0, 2, 7, 8, 10, 11, 12, 13, 17, 18],
    nnz: 239,
    layer00: 0.5078451175627149,
  },
};

/** Both files of one archive version: the h5ad as is, the zarr zip extracted. */
function archiveFiles(t: Parameters<typeof tempDir>[0], version: string): { h5ad: string; zarr: string } {
  const zarr = join(tempDir(t), "adata.zarr");
  unzip(join(ARCHIVES, version, "adata.zarr.zip"), zarr);
  return { h5ad: join(ARCHIVES, version, "adata.h5ad"), zarr };
}

async function withReader<T>(path: string, fn: (r: AnnDataReader) => Promise<T>): Promise<T> {
  const r = await AnnDataReader.open(path);
  try {
    return await fn(r);
  } finally {
    r.close();
  }
}

for (const [version, expected] of Object.entries(V07)) {
  test(`anndata ${version} archive: h5ad (LZF) and zarr v2 read, with legacy categoricals, and agree`, async (t) => {
    const files = archiveFiles(t, version);
    const seen: unknown[] = [];
    for (const [format, path] of Object.entries(files)) {
      seen.push(
        await withReader(path, async (r) => {
          assert.equal(r.nObs, 30, format);
          assert.equal(r.nVars, 20, format);
          const obs = await r.obsNames();
          assert.deepEqual(obs.slice(0, 3), ["cell0", "cell1", "cell2"], format);
          assert.deepEqual((await r.varNames()).slice(0, 3), ["gene0", "gene1", "gene2"], format);
          const obsCat = await r.column("obs", "obs_cat");
          assert.deepEqual(obsCat.slice(0, 5), expected.obsCat, format);
          assert.deepEqual((await r.column("obs", "int64")).slice(0, 4), expected.int64, format);
          const x = await r.matrix("X");
          assert.equal(x.layout, "csr");
          const all = await x.readRows(0, 30);
          assert.equal(all.data.length, expected.nnz, format);
          const row0 = await x.readRows(0, 1);
          assert.deepEqual(Array.from(row0.indices), expected.x0, format);
          const dense = await r.matrix("layers/array");
          assert.equal(dense.layout, "dense");
          assert.equal((await dense.readStored(0, 1))[0], Math.fround(expected.layer00), format);
          assert.deepEqual((await readIndex(r.tree, "raw/var")).slice(0, 2), ["gene0", "gene1"], format);
          const columns = await Promise.all(
            ["obs_cat", "cat_ordered", "int64", "float64", "uint8"].map((c) => r.column("obs", c)),
          );
          const varColumns = await Promise.all(["var_cat", "cat_ordered"].map((c) => r.column("var", c)));
          return {
            obs,
            columns,
            varColumns,
            indptr: Array.from(all.indptr),
            indices: Array.from(all.indices),
            data: Array.from(all.data),
          };
        }),
      );
    }
    assert.deepEqual(seen[0], seen[1], "h5ad and zarr hold the same data");
  });
}

test("anndata v0.11.4 archive (AnnData(shape=(10, 20)), no X): opens, and X is refused naming what is missing", async (t) => {
  const files = archiveFiles(t, "v0.11.4");
  for (const [format, path] of Object.entries(files)) {
    await withReader(path, async (r) => {
      assert.equal(r.nObs, 10, format);
      assert.equal(r.nVars, 20, format);
      assert.deepEqual(await r.obsNames(), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
      assert.equal(await r.has("X"), false);
      await assert.rejects(r.matrix("X"), (err: Error) => {
        assert.ok(err.message.includes(path), err.message);
        assert.match(err.message, /has no X: X is missing; the methods read X or layers\['counts'\]/);
        return true;
      });
    });
  }
  const out = join(tempDir(t), "out.zarr");
  const cli = runCli(["embed", "--input", files.h5ad, "--output", out, "--methods", "hvg", "--quiet"]);
  assert.equal(cli.code, 1, cli.stderr);
  assert.match(cli.stderr, /adata\.h5ad.*(no X|neither X nor layers\['counts'\])/s);
});
