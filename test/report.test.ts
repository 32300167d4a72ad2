/**
 * `scembed report` end to end on real PBMCs (pbmc68k_reduced: ten cell types, a batch column,
 * scanpy's own PCA, plus X_gs we add): every metric present, the label and batch ASW equal to
 * scikit-learn's silhouette on the same cells, partial arrays left out with the reason, the
 * sample stratified and seeded, clear errors for unknown keys, and a chunk that differs is found.
 */
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { createLogger, embedOneFile, loadConfig, planSection, type ReportData } from "../src/index.ts";
import { SeededRandom } from "../src/numerics/random.ts";
import { addBlock, emptyFileStats, summarizeSanity } from "../src/report/sanity.ts";
import { runCli } from "./helpers/cli.ts";
import { DEMO_H5AD, REAL, tempDir } from "./helpers/paths.ts";
import { NEEDS_SKLEARN, python, sklearnAvailable } from "./helpers/python.ts";

const INPUT = join(REAL, "pbmc68k_reduced_counts.zarr");
const LABEL_METRICS = ["labelAsw", "clisi", "graphConnectivity", "nmi", "ari", "knnAccuracy", "bio"];

type Json = Omit<ReportData, "methods"> & { methods: Omit<ReportData["methods"][number], "umap">[] };

async function embedded(
  t: { after(fn: () => void): void },
  input = INPUT,
  methods = ["gs"],
): Promise<{ dir: string; output: string }> {
  const dir = tempDir(t, "scembed-report-");
  const output = join(dir, input === INPUT ? "pbmc68k.zarr" : "demo.zarr");
  // zarr v2 output: Debian's anndata 0.8 (the scikit-learn side) reads v2 only
  const r = await embedOneFile(
    { input, output, methods, section: { output_zarr_format: 2 } },
    createLogger({ quiet: true }),
  );
  assert.equal(r.results[0]?.status, "written");
  return { dir, output };
}

/** scIB's ASW by scikit-learn: (silhouette + 1) / 2 of a column; or batch ASW, 1 − |silhouette| over one group */
function sklearnAsw(store: string, key: string, column: string, scaling: "label" | "batch"): number {
  return python(
    `
import sys, json, numpy as np, anndata as ad
from sklearn.metrics import silhouette_score, silhouette_samples
a = ad.read_zarr(sys.argv[1]); X = np.asarray(a.obsm[sys.argv[2]], dtype=np.float64)
c = a.obs[sys.argv[3]].astype(str).values
v = (silhouette_score(X, c) + 1) / 2 if sys.argv[4] == "label" else np.mean(1 - np.abs(silhouette_samples(X, c)))
print(json.dumps(float(v)))
`,
    [store, key, column, scaling],
  );
}

test("report over PBMCs with cell types: the label metrics, label ASW equal to scikit-learn's, page and JSON", async (t) => {
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
    for (const name of LABEL_METRICS) {
      const v = m.metrics[name as keyof typeof m.metrics]!;
      assert.ok(v >= 0 && v <= 1, `${m.key} ${name} = ${v}`);
    }
    // one donor: no batch metric, so no overall score either
    assert.deepEqual(
      [m.metrics.batchAsw, m.metrics.ilisi, m.metrics.batch, m.metrics.overall],
      [undefined, undefined, undefined, undefined],
    );
    assert.equal(m.sanity.rows, 700);
  }
  assert.ok(readFileSync(html, "utf8").length > 10_000);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith(".scembed-report")),
    [],
    "no temporary folder left",
  );
  if (!sklearnAvailable()) return t.skip(NEEDS_SKLEARN);
  const pca = json.methods[1]!.metrics;
  const ref = sklearnAsw(output, "X_pca_scanpy", "cell_type", "label");
  assert.ok(Math.abs(pca.labelAsw! - ref) < 1e-4, `label ASW ${pca.labelAsw} vs sklearn ${ref}`);
});

test("report over three 10x chemistries: batch ASW equal to scikit-learn's, iLISI, overall only with labels", async (t) => {
  const { dir, output } = await embedded(t, DEMO_H5AD, ["pca"]);
  const html = join(dir, "b.html");
  const r = runCli(["report", output, "--batch-key", "batch", "--out", html]);
  assert.equal(r.code, 0, r.stderr);
  const json = JSON.parse(readFileSync(join(dir, "b.json"), "utf8")) as Json;
  assert.deepEqual(
    json.methods.map((m) => m.key),
    ["X_pca"],
  );
  for (const m of json.methods) {
    for (const v of [m.metrics.batchAsw, m.metrics.ilisi, m.metrics.batch]) assert.ok(v! >= 0 && v! <= 1, `${m.key}`);
    assert.equal(m.metrics.labelAsw, undefined);
    assert.equal(m.metrics.overall, undefined);
  }
  if (!sklearnAvailable()) return t.skip(NEEDS_SKLEARN);
  const m = json.methods[0]!;
  const ref = sklearnAsw(output, m.key, "batch", "batch");
  assert.ok(Math.abs(m.metrics.batchAsw! - ref) < 1e-4, `${m.key} batch ASW ${m.metrics.batchAsw} vs sklearn ${ref}`);
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

test("a chunk whose columns mean other genes stands out; like chunks do not", async (t) => {
  const { output } = await embedded(t, join(REAL, "pbmc1k_v3_chr21.zarr"), ["gs"]);
  const reader = await AnnDataReader.open(output);
  const node = await reader.tree.get("obsm/X_gs");
  assert.equal(node?.kind, "array");
  const [n, d] = [node.shape[0]!, node.shape[1]!];
  const x = Float32Array.from((await node.read(0, n)) as Float32Array);
  reader.close();
  const rng = new SeededRandom(3);
  const order = Array.from({ length: n }, (_, i) => i).sort(() => rng.next() - 0.5);
  const per = Math.floor(n / 5);
  const files = [0, 1, 2, 3, 4].map((f) => {
    const s = emptyFileStats(`chunk_${f}.zarr`, d);
    const block = new Float32Array(per * d);
    for (let i = 0; i < per; i++) block.set(x.subarray(order[f * per + i]! * d, (order[f * per + i]! + 1) * d), i * d);
    if (f === 3) for (let i = 0; i < per; i++) block.subarray(i * d, (i + 1) * d).reverse(); // its own gene order
    addBlock(s, block, per, d);
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

test("report -c: a config's written outputs, its batch_key as the default, a clear error before any exist", async (t) => {
  const { dir, output } = await embedded(t);
  const other = join(dir, "in2.zarr");
  cpSync(INPUT, other, { recursive: true });
  const config = (outputDir: string) => {
    const path = join(dir, `c-${outputDir.split("/").pop()}.yaml`);
    writeFileSync(
      path,
      `batch_key: batch\nembedding_cpu: {methods: [gs], input_files: [${INPUT}, ${other}], output_dir: ${outputDir}}\n`,
    );
    return path;
  };
  const empty = runCli(["report", "-c", config(join(dir, "nothing")), "--out", join(dir, "e.html")]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /none of its 2 outputs exists yet/);
  // lay one planned output where the config expects it
  const planned = configOutputsOf(config(join(dir, "out")));
  assert.equal(planned.length, 2);
  cpSync(output, planned.find((p) => p.includes("pbmc68k_reduced_counts"))!, { recursive: true });
  const r = runCli(["report", "-c", config(join(dir, "out")), "--out", join(dir, "c.html")]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 planned output\(s\) not written yet/);
  const json = JSON.parse(readFileSync(join(dir, "c.json"), "utf8")) as Json;
  assert.equal(json.inputs.length, 1);
  assert.equal(json.sample.batchKey, "batch", "the dataset's batch_key");
});

function configOutputsOf(path: string): string[] {
  const { config } = loadConfig(path);
  return planSection(config, "embedding_cpu").map((task) => task.output);
}
