/**
 * The report's own numerics: the stratified sample, the randomized PCA (against an exact
 * eigendecomposition, in memory and spilled to disk) and the UMAP layout (its neighbourhoods
 * kept: trustworthiness on real PBMC PCs, above the 2-D PCA view's).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { jacobiEigen } from "../src/numerics/eigen.ts";
import { SeededRandom } from "../src/numerics/random.ts";
import { pcaReduce } from "../src/report/pca-reduce.ts";
import { SampleMatrix } from "../src/report/sample-matrix.ts";
import { proportionalQuotas, sampleRows, strataOf } from "../src/report/sample-plan.ts";
import { fuzzyGraph, layout, principalInit, type Neighbours } from "../src/report/umap.ts";
import { FIXTURES, tempDir } from "./helpers/paths.ts";

test("quotas are proportional, sum to the budget, and never exceed a stratum", () => {
  assert.deepEqual(proportionalQuotas([100, 50, 50], 100), [50, 25, 25]);
  const q = proportionalQuotas([7, 3, 1, 989], 10);
  assert.equal(
    q.reduce((a, b) => a + b, 0),
    10,
  );
  assert.deepEqual(q, [0, 0, 0, 10]);
  assert.deepEqual(proportionalQuotas([5, 5], 100), [5, 5]);
  assert.deepEqual(proportionalQuotas([3, 3, 3], 4), [2, 1, 1]);
});

test("the sample is stratified by file × batch, seeded, sorted and without repeats", () => {
  const batchA = Int32Array.from({ length: 1000 }, (_, i) => (i < 900 ? 0 : 1));
  const batchB = Int32Array.from({ length: 500 }, () => 2);
  const strata = [...strataOf(0, 1000, batchA), ...strataOf(1, 500, batchB)];
  const rows = sampleRows(strata, 2, 300, 7);
  assert.equal(rows[0]!.length, 200);
  assert.equal(rows[1]!.length, 100);
  assert.equal(rows[0]!.filter((r) => r >= 900).length, 20, "batch 1 keeps its 10 % share");
  for (const r of rows) {
    assert.equal(new Set(r).size, r.length);
    assert.deepEqual(
      Array.from(r),
      Array.from(r).sort((a, b) => a - b),
    );
  }
  assert.deepEqual(sampleRows(strata, 2, 300, 7), rows, "same seed, same sample");
  assert.notDeepEqual(sampleRows(strata, 2, 300, 8), rows, "another seed, another sample");
  assert.deepEqual(
    Array.from(sampleRows(strata, 2, 5000, 7)[1]!),
    Array.from({ length: 500 }, (_, i) => i),
  );
});

/** rows × d data of rank `rank` plus small noise */
function lowRank(rows: number, d: number, rank: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const basis = Float64Array.from({ length: rank * d }, () => rng.normal());
  const x = new Float32Array(rows * d);
  for (let i = 0; i < rows; i++)
    for (let r = 0; r < rank; r++) {
      const s = rng.normal() * (rank - r) * 3;
      for (let j = 0; j < d; j++) x[i * d + j]! += s * basis[r * d + j]!;
    }
  for (let i = 0; i < x.length; i++) x[i]! += rng.normal() * 0.01 + 2;
  return x;
}

test("randomized PCA equals the exact principal components, in memory and spilled to disk", async (t) => {
  const [n, d, k] = [400, 120, 5];
  const x = lowRank(n, d, 8, 3);
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += x[i * d + j]! / n;
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++)
        cov[a * d + b]! += ((x[i * d + a]! - mean[a]!) * (x[i * d + b]! - mean[b]!)) / (n - 1);
  const exact = jacobiEigen(cov, d);
  const dir = tempDir(t);
  for (const limit of [Infinity, 1024]) {
    const m = await SampleMatrix.create(n, d, dir, "x", limit);
    for (let i = 0; i < n; i++) await m.append(x, i * d);
    await m.finish();
    assert.equal(m.onDisk, limit !== Infinity);
    const pca = await pcaReduce(m, k, 11);
    await m.close();
    for (let c = 0; c < k; c++) {
      assert.ok(Math.abs(pca.variance[c]! - exact.values[c]!) / exact.values[c]! < 1e-4, `variance of PC${c + 1}`);
      // scores = (x − μ)·v up to sign
      let dot = 0;
      let err = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j]! - mean[j]!) * exact.vectors[j * d + c]!;
        dot += s * pca.scores[i * k + c]!;
        err = Math.max(err, s);
      }
      const sign = Math.sign(dot);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < d; j++) s += (x[i * d + j]! - mean[j]!) * exact.vectors[j * d + c]!;
        assert.ok(Math.abs(sign * pca.scores[i * k + c]! - s) < 1e-3 * err, `PC${c + 1} score of row ${i}`);
      }
    }
  }
});

function bruteKnn(x: Float32Array, n: number, d: number, k: number): Neighbours {
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const all: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let c = 0; c < d; c++) s += (x[i * d + c]! - x[j * d + c]!) ** 2;
      all.push([Math.sqrt(s), j]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let c = 0; c < k; c++) [distances[i * k + c], indices[i * k + c]] = all[c]!;
  }
  return { k, indices, distances };
}

/** sklearn.manifold.trustworthiness: how many low-dimensional neighbours are true neighbours */
function trustworthiness(x: Float32Array, d: number, y: Float32Array, n: number, k: number): number {
  const high = bruteKnn(x, n, d, n - 1);
  const low = bruteKnn(y, n, 2, k);
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    const rank = new Map<number, number>();
    for (let r = 0; r < n - 1; r++) rank.set(high.indices[i * (n - 1) + r]!, r + 1);
    for (let c = 0; c < k; c++) penalty += Math.max(0, rank.get(low.indices[i * k + c]!)! - k);
  }
  return 1 - (2 / (n * k * (2 * n - 3 * k - 1))) * penalty;
}

test("UMAP keeps the neighbourhoods of real PBMC principal components (better than the 2-D PCA start)", async () => {
  const reader = await AnnDataReader.open(join(FIXTURES, "scanpy/10x_pbmc68k_reduced.h5ad"));
  const node = await reader.tree.get("obsm/X_pca");
  assert.equal(node?.kind, "array");
  const n = reader.nObs;
  const d = 50;
  const x = Float32Array.from(
    (await (node as { read(a: number, b: number): Promise<Float32Array> }).read(0, n)) as Float32Array,
  );
  reader.close();
  const knn = bruteKnn(x, n, d, 14);
  const graph = fuzzyGraph(knn, n, 14);
  for (let e = 0; e < graph.weights.length; e++) assert.ok(graph.weights[e]! > 0 && graph.weights[e]! <= 1);
  const init = principalInit(x, n, d, 1);
  const before = trustworthiness(x, d, Float32Array.from(init), n, 15);
  const y = layout(graph, n, init, 1);
  const after = trustworthiness(x, d, y, n, 15);
  assert.ok(y.every(Number.isFinite));
  assert.ok(
    after > 0.9 && after > before + 0.02,
    `trustworthiness ${after.toFixed(3)} (PCA start ${before.toFixed(3)})`,
  );
  assert.deepEqual(layout(graph, n, principalInit(x, n, d, 1), 1), y, "seeded: the same layout again");
});
