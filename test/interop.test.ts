/**
 * Our zarr output, from zarr and from h5ad input, read by real Python anndata (Debian's
 * python3-anndata): X, obs, var, layers unchanged, the new obsm keys present with our values,
 * and a store with .zmetadata kept consistent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { basename, join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { runCli } from "./helpers/cli.ts";
import { DEMO_H5AD, REAL, tempDir } from "./helpers/paths.ts";
import { anndataAvailable, python, PYTHON } from "./helpers/python.ts";
import { treeHash } from "./helpers/tree-hash.ts";
import { execFileSync } from "node:child_process";

const skip = anndataAvailable() ? false : `needs ${PYTHON} with python3-anndata (apt-get install python3-anndata)`;

const COMPARE = `
import sys, json, anndata as ad, numpy as np, scipy.sparse as sp
out, src = sys.argv[1], sys.argv[2]
a = ad.read_zarr(out)
b = ad.read_h5ad(src) if src.endswith('.h5ad') else ad.read_zarr(src)
def same(x, y):
    if sp.issparse(x): x = x.toarray()
    if sp.issparse(y): y = y.toarray()
    return bool(np.array_equal(x, y))
print(json.dumps({
  "shape": list(a.shape),
  "X": same(a.X, b.X),
  "layers": sorted(a.layers.keys()) == sorted(b.layers.keys()) and all(same(a.layers[k], b.layers[k]) for k in b.layers),
  "obs": bool(a.obs.equals(b.obs)) and list(a.obs_names) == list(b.obs_names),
  "var": bool(a.var.equals(b.var)) and list(a.var_names) == list(b.var_names),
  "uns": sorted(a.uns.keys()) == sorted(b.uns.keys()),
  "obsm": {k: [list(v.shape), str(v.dtype), float(np.asarray(v, dtype=np.float64).sum())] for k, v in a.obsm.items()},
}))
`;

for (const [input, nObs] of [
  [join(REAL, "pbmc_10x_3chem.first500.zarr"), 500],
  [DEMO_H5AD, 2860],
] as const) {
  test(`output from ${basename(input)} opens in Python anndata with data unchanged and the new obsm`, {
    skip,
  }, async (t) => {
    const dir = tempDir(t);
    const src = join(dir, basename(input));
    cpSync(input, src, { recursive: true });
    const before = treeHash(src);
    const out = join(dir, "out.zarr");
    // an .h5ad becomes zarr v3 by default; Debian's anndata 0.8 (zarr 2.13) reads only v2
    const format = input.endsWith(".h5ad") ? ["++output_zarr_format=2"] : [];
    const r = runCli([
      "embed",
      "--input",
      src,
      "--output",
      out,
      "--methods",
      "gs,gs10k",
      "--chunk-rows",
      "1000",
      "--quiet",
      ...format,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(treeHash(src), before, "the input is unchanged");

    const got = python<{
      shape: number[];
      X: boolean;
      layers: boolean;
      obs: boolean;
      var: boolean;
      uns: boolean;
      obsm: Record<string, [number[], string, number]>;
    }>(COMPARE, [out, src]);
    assert.deepEqual(got.shape, [nObs, 11205]);
    assert.ok(got.X && got.layers && got.obs && got.var && got.uns, JSON.stringify(got));
    assert.deepEqual(got.obsm["X_gs"]!.slice(0, 2), [[nObs, 3936], "float32"]);
    assert.deepEqual(got.obsm["X_gs10k"]!.slice(0, 2), [[nObs, 10000], "float32"]);

    // the values Python sees are the ones we computed
    const reader = await AnnDataReader.open(out);
    const tree = reader.tree;
    const arr = await tree.get("obsm/X_gs");
    assert.ok(arr?.kind === "array");
    const values = (await arr.readAll()) as Float32Array;
    const sum = values.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - got.obsm["X_gs"]![2]) / Math.abs(sum) < 1e-5);
    reader.close();
  });
}

test("a store with consolidated metadata (.zmetadata) lists the new arrays afterwards", { skip }, (t) => {
  const dir = tempDir(t);
  const src = join(dir, "in.zarr");
  cpSync(join(REAL, "pbmc1k_v3_chr21.zarr"), src, { recursive: true });
  execFileSync(PYTHON, ["-c", "import sys, zarr; zarr.consolidate_metadata(sys.argv[1])", src]);
  const out = join(dir, "out.zarr");
  const r = runCli(["embed", "--input", src, "--output", out, "--methods", "gs", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  const r2 = runCli(["embed", "--input", src, "--output", out, "--methods", "gs10k", "--quiet"]);
  assert.equal(r2.code, 0, r2.stderr);
  const seen = python<{ consolidated: string[]; plain: string[]; shape: number[] }>(
    `
import sys, json, zarr
c = zarr.open_consolidated(sys.argv[1], mode='r')
p = zarr.open_group(sys.argv[1], mode='r')
print(json.dumps({"consolidated": sorted(c['obsm'].keys()), "plain": sorted(p['obsm'].keys()), "shape": list(c['obsm/X_gs10k'].shape)}))
`,
    [out],
  );
  assert.deepEqual(seen.consolidated, seen.plain);
  assert.ok(seen.consolidated.includes("X_gs") && seen.consolidated.includes("X_gs10k"), JSON.stringify(seen));
  assert.deepEqual(seen.shape, [1107, 10000]);
});
