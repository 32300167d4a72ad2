/**
 * The metrics of `scembed report` (src/report/metrics/) against the reference tools on scanpy's
 * pbmc68k_reduced (test/fixtures/report/, made by scripts/fixtures/report_metrics.py: sklearn 1.2.1
 * silhouette / ARI / NMI / NearestNeighbors, harmonypy's LISI algorithm, scipy's components), the
 * TypeScript distance loop against the native sgemm, and small cases checkable by hand.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { nativeSgemm } from "../src/numerics/native-blas.ts";
import { adjustedRandIndex, kMeansNmiAri, normalizedMutualInfo } from "../src/report/metrics/clustering.ts";
import { graphConnectivity, knnAccuracy } from "../src/report/metrics/graph.ts";
import { kMeans } from "../src/report/metrics/kmeans.ts";
import { exactKnn, type Knn } from "../src/report/metrics/knn.ts";
import { clisiScaled, ilisiScaled, lisiPerCell } from "../src/report/metrics/lisi.ts";
import { computeMetrics } from "../src/report/metrics/scores.ts";
import { batchAsw, labelAsw, silhouetteSamples } from "../src/report/metrics/silhouette.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { FIXTURES } from "./helpers/paths.ts";

interface Golden {
  silhouette: Record<string, { score: number; label_asw: number; samples: number[] }>;
  batch_asw: { per_label: number; no_label: number };
  ari: number;
  nmi: number;
  knn: { cells: number; n_neighbors: number; indices: number[][]; distances: number[][] };
  lisi: { k: number; perplexity: number; per_cell: Record<string, number[]>; ilisi: number; clisi: number };
  graph_connectivity: number;
}

const golden = JSON.parse(readFileSync(join(FIXTURES, "report/pbmc68k_reduced.metrics.json"), "utf8")) as Golden;
const N = 700,
  D = 50;

/** X_pca and the obs columns of the fixture, read with our own reader; codes by first appearance. */
async function loadPbmc() {
  const reader = await AnnDataReader.open(join(FIXTURES, "scanpy/10x_pbmc68k_reduced.h5ad"));
  try {
    const node = await reader.tree.get("obsm/X_pca");
    assert.ok(node?.kind === "array" && node.shape[0] === N && node.shape[1] === D);
    const x = (await node.read(0, N)) as Float32Array;
    assert.ok(x instanceof Float32Array);
    const codes = async (name: string) => {
      const values = await reader.column("obs", name);
      const seen = new Map<unknown, number>();
      return Int32Array.from(values as unknown[], (v) => {
        if (v === null || v === undefined) return -1;
        if (!seen.has(v)) seen.set(v, seen.size);
        return seen.get(v)!;
      });
    };
    return { x, label: await codes("bulk_labels"), batch: await codes("phase"), louvain: await codes("louvain") };
  } finally {
    reader.close();
  }
}

const pbmc = await loadPbmc();
const count = (c: Int32Array) => new Set(c).size;
const blas = nativeSgemm().sgemmNT !== undefined;

test("silhouette samples and score equal sklearn's (bulk_labels and phase)", () => {
  for (const [key, codes] of [
    ["bulk_labels", pbmc.label],
    ["phase", pbmc.batch],
  ] as const) {
    const s = silhouetteSamples(pbmc.x, N, D, codes, count(codes));
    expectClose(s, golden.silhouette[key]!.samples, { atol: 1e-4, label: `silhouette samples ${key}` });
    expectClose([labelAsw(pbmc.x, N, D, codes)!], [golden.silhouette[key]!.label_asw], { atol: 1e-4, label: key });
  }
});

test("batch ASW equals scib-metrics' silhouette_batch (per label group, and one group)", () => {
  expectClose([batchAsw(pbmc.x, N, D, pbmc.batch, pbmc.label)!], [golden.batch_asw.per_label], {
    atol: 1e-4,
    label: "batch ASW per bulk_label",
  });
  expectClose([batchAsw(pbmc.x, N, D, pbmc.batch)!], [golden.batch_asw.no_label], { atol: 1e-4, label: "no label" });
});

test("ARI and NMI equal sklearn's (bulk_labels vs louvain)", () => {
  expectClose([adjustedRandIndex(pbmc.label, pbmc.louvain)], [golden.ari], { atol: 1e-9, label: "ARI" });
  expectClose([normalizedMutualInfo(pbmc.label, pbmc.louvain)], [golden.nmi], { atol: 1e-9, label: "NMI" });
  // sklearn's documented examples and special cases
  const a = Int32Array.of(0, 0, 1, 1),
    b = Int32Array.of(0, 0, 1, 2);
  expectClose([adjustedRandIndex(a, b), normalizedMutualInfo(a, b)], [0.5714285714285715, 0.8], {
    atol: 1e-12,
    label: "small",
  });
  assert.equal(adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(1, 1, 0, 0)), 1);
  assert.equal(adjustedRandIndex(Int32Array.of(0, 1, 2), Int32Array.of(2, 0, 1)), 1);
  assert.equal(normalizedMutualInfo(Int32Array.of(0, 0, 0), Int32Array.of(1, 1, 1)), 1);
  assert.equal(normalizedMutualInfo(Int32Array.of(0, 0, 0), Int32Array.of(0, 1, 2)), 0);
});

/** Our kNN row i against sklearn's (whose column 0 is the cell itself): ties may swap places. */
function assertKnnMatches(knn: Knn, label: string) {
  const { cells, indices, distances } = golden.knn;
  for (let i = 0; i < cells; i++) {
    assert.equal(indices[i]![0], i, `${label}: sklearn's first neighbour of ${i} is itself`);
    const ours = Array.from(knn.indices.subarray(i * knn.k, i * knn.k + 15));
    const dist = Array.from(knn.distances.subarray(i * knn.k, i * knn.k + 15));
    expectClose(dist, distances[i]!.slice(1), { atol: 1e-4, label: `${label}: distances of cell ${i}` });
    for (let t = 0; t < 15; t++) {
      if (ours[t] === indices[i]![t + 1]) continue;
      const tie = Math.abs(dist[t]! - distances[i]![t + 1]!) < 1e-5 && ours.includes(indices[i]![t + 1]!);
      assert.ok(tie, `${label}: cell ${i} neighbour ${t}: ${ours[t]} vs sklearn's ${indices[i]![t + 1]}`);
    }
  }
}

test("exact kNN equals sklearn's NearestNeighbors (first 100 cells, 15 neighbours)", () => {
  assertKnnMatches(exactKnn(pbmc.x, N, D, 15), blas ? "BLAS" : "TypeScript");
  assertKnnMatches(
    exactKnn(pbmc.x, N, D, 15, { kernel: "typescript", blockBudget: 7 * N }),
    "TypeScript, 7-row blocks",
  );
});

test("LISI per cell and the scaled iLISI / cLISI equal Harmony's algorithm (k 90, perplexity 30)", () => {
  const knn = exactKnn(pbmc.x, N, D, golden.lisi.k);
  expectClose(lisiPerCell(knn, pbmc.batch), golden.lisi.per_cell["phase"]!, { atol: 1e-4, label: "LISI phase" });
  expectClose(lisiPerCell(knn, pbmc.label), golden.lisi.per_cell["bulk_labels"]!, {
    atol: 1e-4,
    label: "LISI bulk_labels",
  });
  expectClose([ilisiScaled(knn, pbmc.batch)!], [golden.lisi.ilisi], { atol: 1e-4, label: "iLISI" });
  expectClose([clisiScaled(knn, pbmc.label)!], [golden.lisi.clisi], { atol: 1e-4, label: "cLISI" });
  expectClose([graphConnectivity(knn, pbmc.label)!], [golden.graph_connectivity], {
    atol: 1e-12,
    label: "graph connectivity",
  });
});

test("the TypeScript distance loop equals the native sgemm path", { skip: !blas && "no native BLAS" }, () => {
  const fast = exactKnn(pbmc.x, N, D, 90),
    plain = exactKnn(pbmc.x, N, D, 90, { kernel: "typescript" });
  assert.deepEqual(fast.indices, plain.indices);
  expectClose(fast.distances, plain.distances, { atol: 0, label: "kNN distances (both refined in float64)" });
  for (const codes of [pbmc.label, pbmc.batch]) {
    const a = silhouetteSamples(pbmc.x, N, D, codes, count(codes)),
      b = silhouetteSamples(pbmc.x, N, D, codes, count(codes), { kernel: "typescript", blockBudget: 13 * N });
    expectClose(a, b, { atol: 1e-5, label: "silhouette samples BLAS vs TypeScript" });
  }
});

test("computeMetrics on pbmc68k: every metric, in [0, 1], the aggregates as scIB", () => {
  const t0 = performance.now();
  const { metrics, knn } = computeMetrics(pbmc.x, N, D, pbmc.batch, pbmc.label, 0);
  const seconds = (performance.now() - t0) / 1000;
  console.log(`computeMetrics 700 × 50 (${blas ? "BLAS" : "TypeScript"}): ${seconds.toFixed(2)} s`, metrics);
  assert.equal(knn.k, 90);
  for (const key of ["labelAsw", "batchAsw", "ilisi", "clisi", "graphConnectivity", "nmi", "ari", "knnAccuracy"])
    assert.ok(metrics[key as keyof typeof metrics]! >= 0 && metrics[key as keyof typeof metrics]! <= 1, key);
  expectClose([metrics.labelAsw!], [golden.silhouette["bulk_labels"]!.label_asw], { atol: 1e-4, label: "label ASW" });
  expectClose(
    [metrics.batchAsw!, metrics.ilisi!, metrics.clisi!],
    [golden.batch_asw.per_label, golden.lisi.ilisi, golden.lisi.clisi],
    {
      atol: 1e-4,
      label: "batch ASW, iLISI, cLISI",
    },
  );
  const bio = (metrics.labelAsw! + metrics.nmi! + metrics.ari! + metrics.clisi!) / 4;
  const batch = (metrics.batchAsw! + metrics.ilisi! + metrics.graphConnectivity!) / 3;
  expectClose([metrics.bio!, metrics.batch!, metrics.overall!], [bio, batch, 0.6 * bio + 0.4 * batch], {
    atol: 1e-12,
    label: "aggregates",
  });
  // k-means on PCA of these cells agrees with the labels about as well as louvain does (ARI 0.41)
  assert.ok(metrics.ari! > 0.25 && metrics.nmi! > 0.45, `k-means ARI ${metrics.ari}, NMI ${metrics.nmi}`);
  assert.deepEqual(computeMetrics(pbmc.x, N, D, pbmc.batch, pbmc.label, 0).metrics, metrics, "same seed, same metrics");
});

/** Two tight blobs far apart in 3 dimensions, cells alternating between them. */
function twoBlobs(n: number) {
  const x = new Float32Array(n * 3);
  const label = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    label[i] = i % 2;
    for (let t = 0; t < 3; t++) x[i * 3 + t] = (i % 2) * 100 + Math.sin(i * 7.3 + t) * 0.5;
  }
  return { x, label };
}

test("hand-checkable cases: separated clusters, a single batch, missing codes", () => {
  // 100 cells per blob: all 90 neighbours of a cell share its label, so its LISI is exactly 1
  const n = 200,
    { x, label } = twoBlobs(n);
  const separated = computeMetrics(x, n, 3, undefined, label, 1).metrics;
  assert.ok(separated.labelAsw! > 0.99, `label ASW ${separated.labelAsw}`);
  assert.equal(separated.ari, 1);
  assert.equal(separated.nmi, 1);
  assert.equal(separated.graphConnectivity, 1);
  assert.equal(separated.knnAccuracy, 1);
  assert.ok(Math.abs(separated.clisi! - 1) < 1e-9, `cLISI ${separated.clisi}`);
  assert.equal(separated.batchAsw, undefined);
  // graph connectivity is shown, but without batches there is no batch score and no overall
  assert.equal(separated.batch, undefined);
  assert.equal(separated.overall, undefined);
  assert.ok(separated.bio! > 0.99);

  const oneBatch = computeMetrics(x, n, 3, new Int32Array(n), label, 1).metrics;
  assert.equal(oneBatch.batchAsw, undefined);
  assert.equal(oneBatch.ilisi, undefined);
  assert.equal(oneBatch.batch, undefined, "one batch: nothing to mix");
  assert.equal(oneBatch.graphConnectivity, 1);
  assert.deepEqual(Object.keys(computeMetrics(x, n, 3, undefined, undefined, 1).metrics), []);

  // missing labels (-1) are left out: label ASW over the rest equals that of the subset
  const some = Int32Array.from(pbmc.label, (c, i) => (i % 5 === 0 ? -1 : c));
  const rows = Int32Array.from({ length: N }, (_, i) => i).filter((i) => i % 5 !== 0);
  const sub = new Float32Array(rows.length * D);
  rows.forEach((r, i) => sub.set(pbmc.x.subarray(r * D, r * D + D), i * D));
  expectClose(
    [labelAsw(pbmc.x, N, D, some)!],
    [
      labelAsw(
        sub,
        rows.length,
        D,
        Int32Array.from(rows, (r) => pbmc.label[r]!),
      )!,
    ],
    {
      atol: 1e-12,
      label: "label ASW with missing codes",
    },
  );
  const knn = exactKnn(pbmc.x, N, D, 90);
  const lisi = lisiPerCell(knn, some);
  assert.ok(
    lisi.every((v, i) => (i % 5 === 0) === Number.isNaN(v)),
    "missing cells get NaN, the others a LISI",
  );
  const partial = computeMetrics(
    pbmc.x,
    N,
    D,
    Int32Array.from(pbmc.batch, (c, i) => (i % 7 ? c : -1)),
    some,
    3,
  ).metrics;
  for (const value of Object.values(partial)) assert.ok(Number.isFinite(value));
  assert.equal(Object.keys(partial).length, 11);
});

test("graph connectivity and kNN accuracy on a hand-made graph", () => {
  // 6 cells, 2 neighbours each; label 0 = cells 0,1,2 (0–1 linked, 2 only to label 1), label 1 = 3,4,5 linked
  const knn: Knn = {
    k: 2,
    indices: Int32Array.of(1, 3, 0, 4, 3, 4, 4, 5, 5, 3, 3, 4),
    distances: Float32Array.of(1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2),
  };
  const label = Int32Array.of(0, 0, 0, 1, 1, 1);
  expectClose([graphConnectivity(knn, label)!], [(2 / 3 + 1) / 2], { atol: 1e-12, label: "connectivity" });
  // cell 0: votes 1 (label 0) and 3 (label 1) tie → the nearest voter's label 0; cell 2: both label 1 → wrong
  expectClose([knnAccuracy(knn, label)!], [5 / 6], { atol: 1e-12, label: "kNN accuracy" });
  // with cell 1 unlabelled, cell 0's only voter is cell 3 (label 1): 3 of the 5 labelled cells are right
  expectClose([knnAccuracy(knn, Int32Array.of(0, -1, 0, 1, 1, 1))!], [3 / 5], { atol: 1e-12, label: "with -1" });
});

test("k-means finds separated clusters whatever the seed; NMI/ARI skip missing labels", () => {
  const n = 90,
    x = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    x[i * 2] = (i % 3) * 50 + Math.cos(i) * 2;
    x[i * 2 + 1] = Math.sin(i * 1.7) * 2;
  }
  const truth = Int32Array.from({ length: n }, (_, i) => i % 3);
  for (const seed of [0, 1, 2, 12345]) {
    const { assignment } = kMeans(x, n, 2, 3, { seed });
    assert.equal(adjustedRandIndex(truth, assignment), 1, `seed ${seed}`);
  }
  const withMissing = Int32Array.from(truth, (c, i) => (i < 10 ? -1 : c));
  assert.deepEqual(kMeansNmiAri(x, n, 2, withMissing, 0), { nmi: 1, ari: 1 });
});

test("tiny inputs give absent metrics, never NaN", () => {
  for (const n of [1, 2, 3]) {
    const x = Float32Array.from({ length: n * 2 }, (_, i) => i * 0.5);
    const codes = Int32Array.from({ length: n }, (_, i) => i % 2);
    const { metrics, knn } = computeMetrics(x, n, 2, codes, codes, 0);
    assert.equal(knn.k, n - 1);
    for (const [key, value] of Object.entries(metrics)) assert.ok(Number.isFinite(value), `n ${n}: ${key} ${value}`);
  }
});
