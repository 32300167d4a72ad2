/**
 * Issue 18: the output store is made on worker threads (an .h5ad converted, arrays in parallel) or
 * by concurrent file copies (a zarr), while the methods prepare. The store is byte-identical to
 * the sequential one (an array under two keys, an HDF5 hard link, converted once and copied); a
 * failure of either branch stops the other, names its file and key, and
 * leaves no temp dir and no embedding marked complete; the log ends each file with its phases.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync, closeSync } from "node:fs";
import { join, relative } from "node:path";
import { ensureOutputStore } from "../src/anndata/output-store.ts";
import { splitLinks, treeToZarr } from "../src/anndata/tree-to-zarr.ts";
import { openTree } from "../src/store/open-tree.ts";
import { runCliAsync } from "./helpers/cli.ts";
import { DEMO_H5AD, FIXTURES, REAL, tempDir } from "./helpers/paths.ts";
import { anndataAvailable, h5pyAvailable, NEEDS_ANNDATA, PYTHON } from "./helpers/python.ts";

const TINY_V1 = join(FIXTURES, "geneformer/models/tinyV1/bin");

/** every file under `dir` (relative path → bytes), leaving out what a run adds beside the data */
function files(dir: string, skip = /^$/): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (!skip.test(relative(dir, p))) out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

function assertSameFiles(a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: the same files`);
  for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${what}: ${k} differs`);
}

for (const name of ["pbmc_10x_3chem.first500.zarr", "pbmc_10x_3chem.first500.v3.zarr"]) {
  test(`a zarr input (${name}) is copied byte for byte by the concurrent copy`, async (t) => {
    const out = join(tempDir(t), "out.zarr");
    assert.equal(await ensureOutputStore(join(REAL, name), out, { threads: 8 }), "created");
    assertSameFiles(files(out), files(join(REAL, name), /\.lock$/), name);
  });
}

for (const format of [2, 3] as const) {
  test(`an .h5ad converted on worker threads is byte-identical to the sequential conversion (zarr v${format})`, async (t) => {
    const dir = tempDir(t);
    const input = join(REAL, "pbmc1k_v3_chr21.h5ad");
    await ensureOutputStore(input, join(dir, "parallel.zarr"), { zarrFormat: format, threads: 3, inProcessBytes: 0 });
    const tree = await openTree(input);
    await treeToZarr(tree, join(dir, "sequential.zarr"), format).finally(() => tree.close());
    assertSameFiles(files(join(dir, "parallel.zarr")), files(join(dir, "sequential.zarr")), `v${format}`);
  });
}

test("an array stored once under two keys (the demo's layers/counts, a hard link to X) is converted once and copied", async (t) => {
  const tree = await openTree(DEMO_H5AD);
  const { links } = await splitLinks(tree, [
    "X/data",
    "X/indices",
    "X/indptr",
    "layers/counts/data",
    "obs/n_counts",
  ]).finally(() => tree.close());
  assert.deepEqual(links, [{ from: "X/data", to: "layers/counts/data" }]);
  const out = join(tempDir(t), "out.zarr");
  await ensureOutputStore(DEMO_H5AD, out, { zarrFormat: 2, threads: 3, inProcessBytes: 0 });
  assertSameFiles(files(join(out, "layers/counts")), files(join(out, "X")), "layers/counts and X");
  if (!anndataAvailable()) return t.diagnostic(`anndata's read skipped: ${NEEDS_ANNDATA}`);
  const read = execFileSync(PYTHON, [
    "-c",
    "import anndata as ad,sys; a=ad.read_zarr(sys.argv[1]); b=ad.read_h5ad(sys.argv[2]); print((a.layers['counts']!=b.layers['counts']).nnz, (a.X!=b.X).nnz)",
    out,
    DEMO_H5AD,
  ]);
  assert.equal(read.toString().trim(), "0 0", "anndata reads both as the .h5ad's");
});

/** the .h5ad with the compressed bytes of `key`'s first chunk overwritten */
function corruptH5ad(dir: string, key: string): string {
  const path = join(dir, "corrupt.h5ad");
  copyFileSync(join(REAL, "pbmc1k_v3_chr21.h5ad"), path);
  const offset = Number(
    execFileSync(PYTHON, [
      "-c",
      `import h5py,sys; print(h5py.File(sys.argv[1])[sys.argv[2]].id.get_chunk_info(0).byte_offset)`,
      path,
      key,
    ]).toString(),
  );
  const fd = openSync(path, "r+");
  writeSync(fd, Buffer.alloc(64, 0xa5), 0, 64, offset + 2);
  closeSync(fd);
  return path;
}

function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.includes(".partial-") || n.includes(".writing-"));
}

test("a corrupt chunk in the input fails the conversion while geneformer tokenizes: its error names file and key, nothing is left", {
  skip: h5pyAvailable()
    ? false
    : "needs /usr/bin/python3 with h5py (apt-get install python3-h5py) to find the chunk to corrupt",
}, async (t) => {
  const dir = tempDir(t);
  const input = corruptH5ad(dir, "var/gene_symbol");
  const out = join(dir, "out.zarr");
  const r = await runCliAsync([
    "embed",
    "--input",
    input,
    "--output",
    out,
    "--methods",
    "geneformer-v1",
    `++init_kwargs_geneformer_v1={model_dir: ${TINY_V1}, device: cpu}`,
    `++cache_dir=${join(dir, "cache")}`,
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /corrupt\.h5ad, key 'var\/gene_symbol'/);
  assert.ok(!existsSync(out), "no output store");
  assert.deepEqual(leftovers(dir), [], "no temp dir");
  assert.doesNotMatch(r.stderr, /written/);
});

test("a preparation that fails while the output is being made stops it: no store, no temp dir, the method's error", async (t) => {
  const dir = tempDir(t);
  const out = join(dir, "out.zarr");
  const r = await runCliAsync([
    "embed",
    "--input",
    join(REAL, "pbmc1k_v3_chr21.h5ad"),
    "--output",
    out,
    "--methods",
    "geneformer-v1",
    `++init_kwargs_geneformer_v1={model_dir: ${join(dir, "no-such-model")}, device: cpu}`,
    `++cache_dir=${join(dir, "cache")}`,
  ]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /model directory not found/);
  assert.ok(!existsSync(out), "no output store");
  assert.deepEqual(leftovers(dir), [], "no temp dir");
});

test("the embed log ends a file with its phases' seconds", async (t) => {
  const dir = tempDir(t);
  const out = join(dir, "out.zarr");
  const r = await runCliAsync([
    "embed",
    "--input",
    join(REAL, "pbmc1k_v3_chr21.h5ad"),
    "--output",
    out,
    "--methods",
    "gs",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const line = r.stderr.split("\n").find((l) => l.includes("phases: "));
  assert.ok(line, r.stderr);
  for (const phase of ["output store", "prepare gs", "forward gs", "write"])
    assert.match(line, new RegExp(`${phase} \\d+\\.\\d s`), line);
  assert.match(line, /wall \d+\.\d s/);
  assert.ok(statSync(join(out, "obsm", "X_gs")).isDirectory());
});
