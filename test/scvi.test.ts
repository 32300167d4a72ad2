/**
 * scvi_fm: scvi-tools' own model.pt read directly; latents equal scvi-tools'. The repo keeps the
 * 2-layer census-like model (2,000 genes, 5 MB); the 1-layer, 8,000-gene one (21 MB) stays out.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { ensemblIds, firstPositions } from "../src/anndata/gene-ids.ts";
import { encodeBlock, readScviModel } from "../src/models/scvi.ts";
import { runCli } from "./helpers/cli.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { readNpy } from "./helpers/npy.ts";
import { DEMO_H5AD, FIXTURES, REAL, tempDir } from "./helpers/paths.ts";

const SCVI = join(FIXTURES, "scvi");

for (const layers of [2]) {
  test(`census-like scVI, ${layers} layer(s): gene alignment exact, latent max abs diff ≤ 1e-5`, async () => {
    const enc = readScviModel(join(SCVI, `census_like_nlayers${layers}`));
    assert.equal(enc.layers.length, layers);
    assert.equal(enc.nLatent, 50);
    assert.equal(enc.layers[0]!.nOut, 128);
    const reader = await AnnDataReader.open(DEMO_H5AD);
    const first = firstPositions((await ensemblIds(reader)).ids);
    const columns = Int32Array.from(enc.varNames, (g) => first.get(g) ?? -1);
    assert.deepEqual(columns, readNpy(join(SCVI, `gene_columns_nlayers${layers}.npy`)).data);
    const rowOf = new Int32Array(reader.nVars).fill(-1);
    columns.forEach((c, i) => c >= 0 && (rowOf[c] = i));
    const x = await (await reader.matrix("layers/counts")).readRows(0, reader.nObs);
    const out = new Float32Array(reader.nObs * 50);
    encodeBlock(enc, x.indptr, x.indices, x.data, x.rows, rowOf, out);
    expectClose(out, readNpy(join(SCVI, `latent_qz_mean_nlayers${layers}.npy`)).data as Float32Array, {
      atol: 1e-5,
      label: "latent (the fixture README: float32 noise is ~1e-6)",
    });
    reader.close();
  });
}

for (const blas of ["auto", "off"]) {
  test(`scvi_fm through the CLI (native BLAS: ${blas}) equals scvi-tools' latent`, async (t) => {
    const dir = tempDir(t);
    const out = join(dir, "o.zarr");
    const r = runCli(
      [
        "embed",
        "--input",
        join(REAL, "pbmc_10x_3chem.first500.zarr"),
        "--output",
        out,
        "--methods",
        "scvi_fm",
        `++init_kwargs_scvi_fm.model_dir=${join(SCVI, "census_like_nlayers2")}`,
        "--chunk-rows",
        "120",
      ],
      { SCEMBED_BLAS: blas },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /X_scvi_fm +written +\(500, 50\)/);
    assert.match(r.stderr, /scvi_fm: 384\/2000 model genes found \(19\.2%/);
    if (blas === "off") assert.match(r.stderr, /no native BLAS found/);
    const reader = await AnnDataReader.open(out);
    const node = await reader.tree.get("obsm/X_scvi_fm");
    assert.ok(node?.kind === "array");
    // float32 GEMM sums in another order than scvi-tools' float32 matmul: 1e-4, the issue's bound
    expectClose(
      (await node.readAll()) as Float32Array,
      (readNpy(join(SCVI, "latent_qz_mean_nlayers2.npy")).data as Float32Array).subarray(0, 500 * 50),
      { atol: 1e-4, label: `latent via CLI (BLAS ${blas})` },
    );
    reader.close();
  });
}

test("a missing scVI model directory names the census model", (t) => {
  const dir = tempDir(t);
  const missing = runCli([
    "embed",
    "--input",
    join(REAL, "pbmc1k_v3_chr21.zarr"),
    "--output",
    join(dir, "p.zarr"),
    "--methods",
    "scvi_fm",
  ]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no scVI model directory.*CELLxGENE census scVI model/s);
});
