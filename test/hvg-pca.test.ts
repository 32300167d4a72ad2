/** hvg and pca against the fixtures computed with scanpy / numpy / scikit-learn semantics. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { getMethod } from "../src/methods/registry.ts";
import { datasetPca } from "../src/methods/pca-fit.ts";
import type { CsrBlock } from "../src/numerics/csr.ts";
import { seuratBatched, seuratSingle, topN } from "../src/numerics/hvg-seurat.ts";
import { logNormalize } from "../src/numerics/lognorm.ts";
import { addMoments, emptyMoments } from "../src/numerics/moments.ts";
import { memoryLogger } from "../src/logger.ts";
import { testDataset } from "./helpers/dataset.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { readNpy } from "./helpers/npy.ts";
import { DEMO_H5AD, FIXTURES, REAL, tempDir } from "./helpers/paths.ts";

const INPUT = DEMO_H5AD;
const HVG = join(FIXTURES, "hvg");
const npy = (dir: string, name: string) => readNpy(join(dir, name)).data;
const f64 = (dir: string, name: string) => Float64Array.from(npy(dir, name) as ArrayLike<number>);

async function pbmc() {
  const reader = await AnnDataReader.open(INPUT);
  const block = logNormalize(await (await reader.matrix("X")).readRows(0, reader.nObs));
  const batch = (await reader.column("obs", "batch")).map(String);
  const names = await reader.varNames();
  return { reader, block, batch, names };
}

test("seurat HVG statistics and flags equal scanpy's (no batch)", async () => {
  const { reader, block } = await pbmc();
  const m = emptyMoments(reader.nVars);
  addMoments(
    m,
    block,
    Int32Array.from({ length: reader.nVars }, (_, i) => i),
  );
  for (const n of [512, 2000]) {
    const r = seuratSingle(m, n);
    expectClose(r.means, f64(HVG, "nobatch_means.npy"), {
      rtol: 1e-6,
      label: "means (X_log agrees to 1 ulp, see lognorm)",
    });
    const nanSafe = (a: Float64Array) => a.map((v) => (Number.isNaN(v) ? -999 : v));
    expectClose(nanSafe(r.dispersions), nanSafe(f64(HVG, "nobatch_dispersions.npy")), {
      atol: 1e-6,
      label: "dispersions",
    });
    expectClose(nanSafe(r.dispersionsNorm), nanSafe(f64(HVG, "nobatch_dispersions_norm.npy")), {
      atol: 1e-6,
      rtol: 1e-6,
      label: "dispersions_norm",
    });
    assert.deepEqual(r.flags, npy(HVG, `nobatch_top${n}_highly_variable.npy`), `top ${n} flags`);
    assert.equal(topN(r, n).length, n);
  }
  reader.close();
});

test("seurat HVG with batch_key equals scanpy's (flags, nbatches, rank order)", async () => {
  const { reader, block, batch, names } = await pbmc();
  const labels = [...new Set(batch)].sort();
  const per = labels.map((label) => {
    const m = emptyMoments(reader.nVars);
    addMoments(
      m,
      block,
      Int32Array.from({ length: reader.nVars }, (_, i) => i),
      batch.flatMap((b, r) => (b === label ? [r] : [])),
    );
    return m;
  });
  for (const n of [512, 2000]) {
    const r = seuratBatched(per, n, names);
    assert.deepEqual(r.flags, npy(HVG, `batch_top${n}_highly_variable.npy`), `top ${n} flags`);
    assert.deepEqual(
      Array.from(r.nbatches),
      Array.from(npy(HVG, `batch_top${n}_nbatches.npy`) as ArrayLike<number>).map(Number),
    );
    assert.deepEqual(r.ranked, Array.from(npy(HVG, `batch_top${n}_ranked.npy`) as Int32Array));
  }
  reader.close();
});

for (const mode of ["nobatch", "batch"] as const) {
  test(`X_hvg (${mode}) of the first 200 cells equals the fixture`, async (t) => {
    const { reader, block } = await pbmc();
    const dataset = testDataset([INPUT], tempDir(t), mode === "batch" ? "batch" : null);
    const embedder = await getMethod("hvg").prepare({
      reader,
      options: getMethod("hvg").options.parse({}),
      configuredDim: 512,
      log: memoryLogger(),
      dataset,
    });
    const first = { ...block, rows: 200, indptr: block.indptr.subarray(0, 201) };
    const out = new Float32Array(200 * 512);
    embedder.embed(first, out, 0);
    expectClose(out, npy(HVG, `embedding_${mode}_top512_first200.npy`) as Float32Array, {
      atol: 1e-6,
      label: `X_hvg ${mode}`,
    });
    reader.close();
  });
}

test("pca pretrained: the reference's pickle applied to pbmc equals X_pca of the fixture", async (t) => {
  const { reader, block } = await pbmc();
  const embedder = await getMethod("pca").prepare({
    reader,
    options: getMethod("pca").options.parse({}),
    log: memoryLogger(),
    dataset: testDataset([INPUT], tempDir(t)),
  });
  const out = new Float32Array(reader.nObs * 50);
  embedder.embed(block, out, 0);
  expectClose(out, npy(join(FIXTURES, "pca"), "X_pca.npy") as Float32Array, { atol: 2e-5, label: "X_pca" });
  reader.close();
});

test("pca fit: components up to sign, explained variance ratio to 1e-4, scores (exact PCA fixture)", async (t) => {
  const dir = join(FIXTURES, "pca_fit");
  const dataset = testDataset([INPUT], tempDir(t));
  const model = await datasetPca(dataset, 50, 2000, null, memoryLogger());
  const { names } = await pbmc();
  assert.deepEqual(
    model.genes,
    Array.from(npy(dir, "hvg_columns.npy") as Int32Array, (i) => names[i]),
  );
  expectClose(Float64Array.from(model.means), f64(dir, "column_means.npy"), {
    atol: 1e-7,
    label: "means (X_log agrees to 1 ulp)",
  });
  const ratio = f64(dir, "explained_variance_ratio.npy");
  expectClose(Float64Array.from(model.explainedVarianceRatio), ratio, {
    rtol: 1e-4,
    label: "explained variance ratio",
  });
  const C = f64(dir, "components.npy");
  const P = 2000;
  for (let k = 0; k < 50; k++) {
    let dot = 0;
    for (let g = 0; g < P; g++) dot += model.components[k * P + g]! * C[k * P + g]!;
    assert.ok(Math.abs(dot) > 0.99999, `component ${k}: |cos| = ${Math.abs(dot)}`);
  }
});

test("3 chunk files: one HVG selection and one PCA fit for the dataset, reused by every chunk", async (t) => {
  const dir = tempDir(t);
  const { mkdirSync, writeFileSync, readdirSync, cpSync } = await import("node:fs");
  const { runCli } = await import("./helpers/cli.ts");
  const { writeSyntheticZarr, geneIds } = await import("./helpers/synthetic.ts");
  const base = join(dir, "data"),
    root = join(base, "processed/test/three/all");
  mkdirSync(root, { recursive: true });
  const genes = geneIds([], 0, 600);
  for (let i = 0; i < 3; i++)
    await writeSyntheticZarr(join(root, `chunk_${i}.zarr`), { nObs: 400 + 50 * i, genes, density: 0.08, seed: 20 + i });
  const config = join(dir, "three.yaml");
  writeFileSync(
    config,
    `dataset: {name: three}\nsplit_dataset: false\nembedding_cpu:\n  methods: [hvg, pca]\n  embedding_dim_map: {hvg: 100, pca: 20}\n  pca: {mode: fit, n_top_genes: 200}\n`,
  );
  const r = runCli(["run", "-c", config, "--workers", "2", `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  const cache = join(base, "processed_with_emb/test/three/.scembed-cache");
  const artifacts = readdirSync(cache)
    .filter((f) => f.endsWith(".json"))
    .sort();
  assert.deepEqual(
    artifacts.map((a) => a.split("-").slice(0, -1).join("-")),
    ["hvg", "hvg", "pca-fit"],
    "hvg 100 + hvg 200 (pca input) + one fit",
  );
  assert.equal(
    (r.stderr.match(/hvg: 100 genes .*computed/g) ?? []).length,
    1,
    "the 100-gene selection was computed once",
  );
  assert.equal((r.stderr.match(/pca: 20 components .*fitted/g) ?? []).length, 1, "the PCA was fitted once");
  assert.equal((r.stderr.match(/hvg: 100 genes .*from the preparation cache/g) ?? []).length, 2);
  const shapes: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const out = await AnnDataReader.open(join(base, `processed_with_emb/test/three/all/chunk_${i}.zarr`));
    shapes.push(Object.fromEntries((await out.obsm()).map((e) => [e.key, e.shape])));
    out.close();
  }
  assert.deepEqual(
    shapes,
    [400, 450, 500].map((n) => ({ X_hvg: [n, 100], X_pca: [n, 20] })),
  );
  // one file from the command line, h5ad input
  const out = join(dir, "single/o.zarr");
  cpSync(join(REAL, "pbmc1k_v3_chr21.h5ad"), join(dir, "f.h5ad"));
  const single = runCli([
    "embed",
    "--input",
    join(dir, "f.h5ad"),
    "--output",
    out,
    "--methods",
    "hvg,pca",
    "++embedding_dim_map={hvg: 64}",
  ]);
  assert.equal(single.code, 0, single.stderr);
  assert.match(single.stdout, /X_hvg +written +\(1107, 64\)/);
  assert.match(single.stdout, /X_pca +written +\(1107, 50\)/);
});

test("agrees with Seurat's FindVariableGenes on scanpy's pbmc68k_reduced test input, as scanpy does", async () => {
  const { readFileSync } = await import("node:fs");
  const { openTree } = await import("../src/store/open-tree.ts");
  const { openMatrix } = await import("../src/anndata/matrix.ts");
  const { readIndex } = await import("../src/anndata/dataframe.ts");
  const { flagByCutoffs } = await import("../src/numerics/hvg-seurat.ts");
  const src = join(FIXTURES, "scanpy");
  const tree = await openTree(join(src, "10x_pbmc68k_reduced.h5ad"));
  // scanpy's test: X = raw.X (log values), normalized again as if they were counts
  const raw = await openMatrix(tree, "raw/X");
  const block = logNormalize(await raw.readRows(0, raw.rows));
  const m = emptyMoments(raw.cols);
  addMoments(
    m,
    block,
    Int32Array.from({ length: raw.cols }, (_, i) => i),
  );
  const r = seuratSingle(m, raw.cols);
  const flags = flagByCutoffs(r);
  const names = await readIndex(tree, "raw/var");
  const rows = readFileSync(join(src, "seurat_hvg_pbmc68k_reduced.csv"), "utf8")
    .trim()
    .split("\n")
    .slice(1)
    .map((l) => l.split(","));
  const seurat = new Map(
    rows.map((c) => [
      JSON.parse(c[0]!),
      { mean: Number(c[1]), disp: Number(c[2]), norm: Number(c[3]), hv: c[4] === "TRUE" },
    ]),
  );
  let compared = 0,
    flagged = 0,
    maxNorm = 0;
  names.forEach((name, g) => {
    const s = seurat.get(name);
    if (!s) return;
    compared++;
    assert.ok(Math.abs(r.means[g]! - s.mean) <= 2e-5 + 2e-5 * Math.abs(s.mean), `${name} mean`);
    assert.ok(Math.abs(r.dispersions[g]! - s.disp) <= 2e-5 + 2e-5 * Math.abs(s.disp), `${name} dispersion`);
    maxNorm = Math.max(maxNorm, Math.abs(r.dispersionsNorm[g]! - s.norm));
    assert.equal(flags[g] === 1, s.hv, `${name} flag`);
    if (s.hv) flagged++;
  });
  assert.equal(compared, 765);
  assert.equal(flagged, 113);
  assert.ok(maxNorm < 2e-5, `dispersions_norm max diff ${maxNorm} (scanpy's own tolerance is 2e-5)`);
  tree.close();
});

/** Which var column each output column of an hvg embedder holds: embed one row whose value at column c is c + 1. */
function selectedColumns(
  e: { dim: number; embed: (b: CsrBlock, out: Float32Array, row: number) => void },
  nVars: number,
): number[] {
  const block: CsrBlock = {
    rows: 1,
    cols: nVars,
    indptr: Int32Array.of(0, nVars),
    indices: Int32Array.from({ length: nVars }, (_, i) => i),
    data: Float32Array.from({ length: nVars }, (_, i) => i + 1),
  };
  const out = new Float32Array(e.dim);
  e.embed(block, out, 0);
  return Array.from(out, (v) => v - 1);
}

test("hvg source: reuse takes var['highly_variable'] of the file (scanpy's pbmc68k_reduced), or the top dispersions_norm", async (t) => {
  const reader = await AnnDataReader.open(join(FIXTURES, "scanpy/10x_pbmc68k_reduced.h5ad"));
  const flags = (await reader.column("var", "highly_variable")).map((v) => v === true || v === 1);
  const flagged = flags.flatMap((f, i) => (f ? [i] : []));
  assert.ok(flagged.length > 100 && flagged.length < reader.nVars, `${flagged.length} of ${reader.nVars} flagged`);
  const dataset = testDataset([reader.path], tempDir(t));
  const log = memoryLogger();
  const exact = await getMethod("hvg").prepare({
    reader,
    options: getMethod("hvg").options.parse({ source: "reuse" }),
    configuredDim: flagged.length,
    log,
    dataset,
  });
  assert.equal(exact.dim, flagged.length);
  assert.deepEqual(selectedColumns(exact, reader.nVars), flagged, "the flagged genes, in var order");
  assert.ok(
    log.lines.some((l) => l.includes(`reusing var['highly_variable'] of this file (${flagged.length} genes)`)),
    log.lines.join("\n"),
  );
  // fewer wanted than flagged: the reference takes the largest dispersions_norm over all genes
  const disp = (await reader.column("var", "dispersions_norm")).map(Number);
  const top = disp
    .map((d, i) => [d, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, 50)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
  const fewer = await getMethod("hvg").prepare({
    reader,
    options: getMethod("hvg").options.parse({ source: "reuse" }),
    configuredDim: 50,
    log: memoryLogger(),
    dataset,
  });
  assert.deepEqual(selectedColumns(fewer, reader.nVars), top);
  reader.close();
});

test("hvg source: reuse without var['highly_variable'] selects on the file alone", async (t) => {
  const { reader } = await pbmc();
  const log = memoryLogger();
  const e = await getMethod("hvg").prepare({
    reader,
    options: getMethod("hvg").options.parse({ source: "reuse" }),
    configuredDim: 512,
    log,
    dataset: testDataset([INPUT], tempDir(t)),
  });
  assert.equal(e.dim, 512);
  // the same selection as the dataset-level one over this single file (the fixture's top 512, no batch)
  assert.deepEqual(
    selectedColumns(e, reader.nVars),
    Array.from(npy(HVG, "embedding_nobatch_top512_columns.npy") as Int32Array | BigInt64Array, Number),
  );
  assert.ok(log.lines.some((l) => l.includes("selecting on this file alone")));
  reader.close();
});
