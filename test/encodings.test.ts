/**
 * The element encodings anndata 0.12/0.13 write, read from h5ad and zarr v2 alike: files written
 * by hand with h5py and zarr 2 following anndata 0.13.2's writer (test/helpers/anndata_013_layouts.py),
 * plus keys from metadata that try to leave the store.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { dataframeColumns } from "../src/anndata/dataframe.ts";
import { childKey } from "../src/anndata/element-key.ts";
import { ZarrArrayWriter } from "../src/store/zarr-writer.ts";
import { packagePath } from "../src/package-root.ts";
import { tempDir } from "./helpers/paths.ts";
import { PYTHON } from "./helpers/python.ts";
import { writeSyntheticZarr } from "./helpers/synthetic.ts";

const COUNTS = [
  [0, 1, 0, 0, 2],
  [3, 0, 0, 0, 0],
  [0, 0, 0, 0, 0],
  [1, 1, 1, 1, 1],
  [0, 0, 7, 0, 0],
  [0, 2, 0, 0, 9],
];

const OBS = {
  cat: ["a", "b", null, "a", "c", "b"],
  cat_num: [20, 10, 20, null, 10, 10],
  nstr: ["x", null, "z", "w", null, "v"],
  nint: [1, null, 3, 4, null, 6],
  nbool: [true, false, true, null, false, true],
  sarr: ["p", "q", "r", "s", "t", "u"],
  f: [0, 0.5, 1, 1.5, 2, 2.5],
  b: [1, 0, 0, 1, 1, 0],
};

function h5pyMissing(): string | false {
  try {
    execFileSync(PYTHON, ["-c", "import h5py, zarr, numcodecs"], { stdio: "ignore" });
    return false;
  } catch {
    return `${PYTHON} with h5py, zarr and numcodecs is not installed (Debian: python3-h5py python3-zarr)`;
  }
}

function writeLayouts(dir: string): void {
  execFileSync(PYTHON, [packagePath("test/helpers/anndata_013_layouts.py"), dir], {
    stdio: ["ignore", "ignore", "inherit"],
  });
}

function dense(block: {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}): number[][] {
  return Array.from({ length: block.rows }, (_, r) => {
    const row = new Array<number>(block.cols).fill(0);
    for (let p = block.indptr[r]!; p < block.indptr[r + 1]!; p++) row[block.indices[p]!] = block.data[p]!;
    return row;
  });
}

test("anndata 0.13 encodings read alike from h5ad and zarr v2", { skip: h5pyMissing() }, async (t) => {
  const dir = tempDir(t);
  writeLayouts(dir);
  for (const file of ["enc.h5ad", "enc.zarr"]) {
    const r = await AnnDataReader.open(join(dir, file));
    try {
      assert.equal(r.nObs, 6, file);
      assert.equal(r.nVars, 5, file);
      assert.deepEqual(
        await r.obsNames(),
        ["c0", "c1", "c2", "c3", "c4", "c5"],
        `${file}: nullable-string-array index`,
      );
      assert.deepEqual(
        await r.varNames(),
        [0, 1, 2, 3, 4].map((i) => `ENSG0000000000${i}`),
        `${file}: index named by _index`,
      );
      assert.deepEqual(await dataframeColumns(r.tree, "obs"), Object.keys(OBS));
      for (const [name, expected] of Object.entries(OBS))
        assert.deepEqual(await r.column("obs", name), expected, `${file}: obs['${name}']`);
      const x = await r.matrix("X");
      assert.deepEqual(dense(await x.readRows(0, 6)), COUNTS, `${file}: X (csr, uint8 indices, int64 indptr)`);
      assert.deepEqual(dense(await x.readRows(3, 5)), COUNTS.slice(3, 5));
      assert.deepEqual(dense(await (await r.matrix("layers/dense")).readRows(1, 6)), COUNTS.slice(1));
      await assert.rejects(
        r.matrix("layers/csc"),
        /layers\/csc.*CSC matrices cannot be streamed by rows[\s\S]*fix: convert to CSR/,
      );
    } finally {
      r.close();
    }
  }
});

test("zarr v2 attributes holding the string \"NaN\" (anndata 0.13's na-value of pandas' default string dtype)", {
  skip: h5pyMissing(),
}, async (t) => {
  const dir = tempDir(t);
  writeLayouts(dir);
  const r = await AnnDataReader.open(join(dir, "nan.zarr"));
  try {
    assert.deepEqual(await r.obsNames(), ["c0", "c1", "c2", "c3", "c4", "c5"]);
  } finally {
    r.close();
  }
});

test("anndata's null encoding for X: 'no X', naming the file and what the methods need; layers['counts'] still reads", {
  skip: h5pyMissing(),
}, async (t) => {
  const dir = tempDir(t);
  writeLayouts(dir);
  for (const file of ["nullx.h5ad", "nullx.zarr"]) {
    const path = join(dir, file);
    const r = await AnnDataReader.open(path);
    try {
      assert.equal(await r.has("X"), false, file);
      // h5ad's null dataspace reads as the 0-d false anndata writes for `null` in zarr
      const node = await r.tree.get("X");
      assert.ok(node?.kind === "array");
      assert.deepEqual(
        [node.shape, node.dtype, Array.from((await node.readAll()) as Uint8Array)],
        [[], "|b1", [0]],
        file,
      );
      await assert.rejects(r.matrix("X"), (err: Error) => {
        assert.ok(
          err.message.startsWith(`${path}, key 'X': the file has no X: X is anndata's null encoding`),
          err.message,
        );
        assert.match(err.message, /the methods read X or layers\['counts'\]/);
        return true;
      });
      assert.deepEqual(dense(await (await r.matrix("layers/counts")).readRows(0, 6)), COUNTS);
    } finally {
      r.close();
    }
  }
});

test("keys named by metadata stay inside the store", () => {
  const ok: [string, string][] = [
    ["_index", "var/_index"],
    ["__categories/cell_type", "var/__categories/cell_type"],
    ["gene ids", "var/gene ids"],
  ];
  for (const [name, key] of ok) assert.equal(childKey("f.zarr", "var", name, "attribute '_index'"), key);
  for (const bad of [
    "../../../outside/idx",
    "..",
    "a/../../b",
    "/etc/passwd",
    "",
    "a//b",
    "./x",
    "a\\..\\b",
    42,
    null,
  ]) {
    assert.throws(
      () => childKey("f.zarr", "var", bad, "attribute '_index'"),
      /f\.zarr, key 'var': attribute '_index'/,
      String(bad),
    );
  }
  assert.equal(
    childKey("f.h5ad", "obs", { kind: "ref", key: "obs/__categories/x" }, "attribute 'categories'"),
    "obs/__categories/x",
  );
  // the same object spelled in a zarr attribute is checked too
  assert.throws(
    () => childKey("f.zarr", "obs", { kind: "ref", key: "../outside" }, "attribute 'categories'"),
    /not a key inside the store/,
  );
});

test("a crafted _index, column-order or legacy categories attribute cannot read outside the store (issue 14, finding 9)", async (t) => {
  const dir = tempDir(t);
  const store = join(dir, "chunks", "chunk_0.zarr");
  mkdirSync(join(dir, "chunks"));
  await writeSyntheticZarr(store, {
    nObs: 4,
    genes: ["ENSG00000000001", "ENSG00000000002", "ENSG00000000003"],
    seed: 1,
  });
  // an array beside the store that a key escaping it would reach
  const outside = await ZarrArrayWriter.create(join(dir, "outside", "idx"), { shape: [3], chunks: [3], dtype: "|O" });
  await outside.writeChunk([0], ["x", "y", "z"]);
  const attrsPath = join(store, "var", ".zattrs");
  const attrs = JSON.parse(readFileSync(attrsPath, "utf8"));

  writeFileSync(attrsPath, JSON.stringify({ ...attrs, _index: "../../outside/idx" }));
  await assert.rejects(
    AnnDataReader.open(store),
    /chunk_0\.zarr, key 'var': attribute '_index' "\.\.\/\.\.\/outside\/idx" is not a key inside the store/,
  );

  writeFileSync(attrsPath, JSON.stringify({ ...attrs, _index: "/etc/hostname" }));
  await assert.rejects(AnnDataReader.open(store), /is not a key inside the store/);

  writeFileSync(attrsPath, JSON.stringify({ ...attrs, "column-order": ["ensembl_id", "../../outside/idx"] }));
  const r = await AnnDataReader.open(store);
  try {
    await assert.rejects(
      dataframeColumns(r.tree, "var"),
      /'column-order' entry "\.\.\/\.\.\/outside\/idx" is not a key inside the store/,
    );
    await assert.rejects(
      r.column("var", "../../outside/idx"),
      /column "\.\.\/\.\.\/outside\/idx" is not a key inside the store/,
    );
    // a legacy (dataframe 0.1.0) categorical whose categories attribute points outside
    const colAttrs = join(store, "var", "ensembl_id", ".zattrs");
    writeFileSync(colAttrs, JSON.stringify({ categories: "../../../outside/idx" }));
    await assert.rejects(
      r.column("var", "ensembl_id"),
      /attribute 'categories' "\.\.\/\.\.\/\.\.\/outside\/idx" is not a key inside the store/,
    );
    writeFileSync(colAttrs, JSON.stringify({ categories: { kind: "ref", key: "../../outside/idx" } }));
    await assert.rejects(
      r.column("var", "ensembl_id"),
      /attribute 'categories' "\.\.\/\.\.\/outside\/idx" is not a key inside the store/,
    );
  } finally {
    r.close();
  }
});
