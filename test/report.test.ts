/**
 * `scembed report` end to end on real PBMCs (pbmc68k_reduced: ten cell types, a batch column,
 * scanpy's own PCA, plus X_gs we add): every metric present, the label and batch ASW equal to
 * scikit-learn's silhouette on the same cells, partial arrays left out with the reason, the
 * sample stratified and seeded, clear errors for unknown keys, and a chunk that differs is found.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { createLogger, embedOneFile, type ReportData } from "../src/index.ts";
import { addBlock, emptyFileStats, summarizeSanity } from "../src/report/sanity.ts";
import { runCli } from "./helpers/cli.ts";
import { REAL, tempDir } from "./helpers/paths.ts";
import { PYTHON, python } from "./helpers/python.ts";

const INPUT = join(REAL, "pbmc68k_reduced_counts.zarr");
const METRICS = ["labelAsw", "batchAsw", "ilisi", "clisi", "graphConnectivity", "nmi", "ari", "knnAccuracy"];

type Json = Omit<ReportData, "methods"> & { methods: Omit<ReportData["methods"][number], "umap">[] };

async function embedded(t: { after(fn: () => void): void }): Promise<{ dir: string; output: string }> {
  const dir = tempDir(t, "scembed-report-");
  const output = join(dir, "pbmc68k.zarr");
  const r = await embedOneFile({ input: INPUT, output, methods: ["gs"] }, createLogger({ quiet: true }));
  assert.equal(r.results[0]?.status, "written");
  return { dir, output };
}

function sklearnAsw(store: string, key: string): { label: number; batch: number } {
  return python(
    `
import sys, json, numpy as np, anndata as ad
from sklearn.metrics import silhouette_score, silhouette_samples
a = ad.read_zarr(sys.argv[1]); X = np.asarray(a.obsm[sys.argv[2]], dtype=np.float64)
lab = a.obs["cell_type"].astype(str).values; bat = a.obs["batch"].astype(str).values
scores = []
for l in np.unique(lab):
    m = lab == l
    if len(np.unique(bat[m])) < 2: continue
    scores.append(np.mean(1 - np.abs(silhouette_samples(X[m], bat[m]))))
print(json.dumps({"label": (silhouette_score(X, lab) + 1) / 2, "batch": float(np.mean(scores))}))
`,
    [store, key],
  );
}

test("report over real PBMCs: every metric, ASW equal to scikit-learn's, the page and report.json", async (t) => {
  const { dir, output } = await embedded(t);
  const html = join(dir, "r.html");
  const r = runCli(["report", output, "--batch-key", "batch", "--label-key", "cell_type", "--out", html]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /report: .*r\.html/);
  const json = JSON.parse(readFileSync(join(dir, "r.json"), "utf8")) as Json;
  assert.deepEqual(
    json.methods.map((m) => m.key),
    ["X_gs", "X_pca_scanpy"],
  );
  assert.equal(json.sample.cells, 700);
  const gs = json.methods[0]!;
  assert.ok(gs.reducedByPca && gs.usedDim === 50 && gs.dim > 50, `X_gs ${gs.dim} → ${gs.usedDim}`);
  assert.ok(json.notes.some((n) => n.includes(`X_gs: ${gs.dim} dimensions reduced by PCA to 50`)));
  for (const m of json.methods) {
    for (const name of METRICS) {
      const v = m.metrics[name as keyof typeof m.metrics]!;
      assert.ok(v >= 0 && v <= 1, `${m.key} ${name} = ${v}`);
    }
    const { bio, batch, overall } = m.metrics;
    assert.ok(Math.abs(overall! - (0.6 * bio! + 0.4 * batch!)) < 1e-12);
    assert.equal(m.sanity.rows, 700);
  }
  assert.ok(readFileSync(html, "utf8").length > 10_000);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith(".scembed-report")),
    [],
    "no temporary folder left",
  );
  if (!existsSync(PYTHON)) return;
  const pca = json.methods[1]!.metrics;
  const ref = sklearnAsw(output, "X_pca_scanpy");
  assert.ok(Math.abs(pca.labelAsw! - ref.label) < 1e-4, `label ASW ${pca.labelAsw} vs sklearn ${ref.label}`);
  assert.ok(Math.abs(pca.batchAsw! - ref.batch) < 1e-4, `batch ASW ${pca.batchAsw} vs sklearn ${ref.batch}`);
});

test("report samples by file × batch, seeded; leaves out partial arrays; names unknown keys", async (t) => {
  const { dir, output } = await embedded(t);
  const partial = join(dir, "partial.zarr");
  cpSync(output, partial, { recursive: true });
  const chunk = readdirSync(join(partial, "obsm/X_gs")).find((f) => /^\d/.test(f))!;
  rmSync(join(partial, "obsm/X_gs", chunk));
  const html = join(dir, "s.html");
  const args = ["report", output, partial, "--batch-key", "batch", "--max-cells", "300", "--seed", "5", "--out", html];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(dir, "s.json"), "utf8")) as Json;
  assert.equal(json.sample.cells, 300);
  assert.equal(json.sample.strata, "file × batch");
  assert.deepEqual(
    json.inputs.map((i) => i.sampled),
    [150, 150],
  );
  assert.deepEqual(
    json.methods.map((m) => m.key),
    ["X_pca_scanpy"],
  );
  assert.match(json.skipped.join("\n"), /X_gs: incomplete in .*partial\.zarr/);
  assert.equal(json.methods[0]!.sanity.rows, 1400);
  assert.equal(json.methods[0]!.sanity.duplicateRows, 0, "duplicates are counted within a file");

  const bad = runCli(["report", output, "--label-key", "celltype", "--out", html]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /pbmc68k\.zarr.*obs\/celltype|obs\/celltype.*pbmc68k\.zarr/s);
  assert.match(bad.stderr, /cell_type/, "the fix lists the columns there are");
  const none = runCli(["report", output, "--keys", "X_umap", "--out", html]);
  assert.notEqual(none.code, 0);
  assert.match(none.stderr, /X_umap/);
});

test("a chunk whose columns mean other genes stands out; like chunks do not", async () => {
  const reader = await AnnDataReader.open(INPUT);
  const node = await reader.tree.get("obsm/X_pca_scanpy");
  assert.equal(node?.kind, "array");
  const d = node.shape[1]!;
  const x = Float32Array.from((await node.read(0, 700)) as Float32Array);
  reader.close();
  const files = [0, 1, 2, 3, 4].map((f) => {
    const s = emptyFileStats(`chunk_${f}.zarr`, d);
    const block = x.slice(f * 140 * d, (f + 1) * 140 * d);
    if (f === 3) for (let i = 0; i < 140; i++) block.subarray(i * d, (i + 1) * d).reverse(); // another column order
    addBlock(s, block, 140, d);
    return s;
  });
  const sanity = summarizeSanity(files, d, new Float64Array(0));
  assert.deepEqual(
    sanity.chunkMeans.map((c) => c.outlier),
    [false, false, false, true, false],
    JSON.stringify(sanity.chunkMeans.map((c) => c.distance.toFixed(3))),
  );
  assert.match(sanity.warnings.join("\n"), /chunk_3\.zarr: its mean lies/);
});
