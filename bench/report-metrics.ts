/**
 * Time of the report metrics on synthetic embeddings (n cells × 50 dims: 12 Gaussian "cell types",
 * 3 "batches" shifting them), each stage on its own, with the native sgemm and with the TypeScript
 * loop (SCEMBED_BLAS=off gives only the latter). Not a test: prints one line per kernel.
 *
 *   npm run build --silent && node dist/bench/report-metrics.js [cells=10000]
 */
import { nativeSgemm } from "../src/numerics/native-blas.ts";
import { kMeansNmiAri } from "../src/report/metrics/clustering.ts";
import { graphConnectivity, knnAccuracy } from "../src/report/metrics/graph.ts";
import { exactKnn } from "../src/report/metrics/knn.ts";
import { clisiScaled, ilisiScaled } from "../src/report/metrics/lisi.ts";
import type { DistanceKernel } from "../src/report/metrics/pairwise-distances.ts";
import { REPORT_NEIGHBOURS } from "../src/report/metrics/scores.ts";
import { SeededRandom } from "../src/numerics/random.ts";
import { batchAsw, labelAsw } from "../src/report/metrics/silhouette.ts";

const n = Number(process.argv[2] ?? 10000),
  d = 50;
const rng = new SeededRandom(7);
const random = () => rng.next();
const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
const centres = Float64Array.from({ length: 12 * d }, () => 4 * gauss());
const shifts = Float64Array.from({ length: 3 * d }, () => gauss());
const label = Int32Array.from({ length: n }, () => Math.floor(random() * 12));
const batch = Int32Array.from({ length: n }, () => Math.floor(random() * 3));
const x = new Float32Array(n * d);
for (let i = 0; i < n; i++)
  for (let t = 0; t < d; t++) x[i * d + t] = centres[label[i]! * d + t]! + shifts[batch[i]! * d + t]! + gauss();

function timed<T>(fn: () => T): [T, string] {
  const t0 = performance.now();
  const value = fn();
  return [value, ((performance.now() - t0) / 1000).toFixed(2)];
}

const kernels: DistanceKernel[] = nativeSgemm().sgemmNT ? ["blas", "typescript"] : ["typescript"];
for (const kernel of kernels) {
  const t0 = performance.now();
  const [knn, tKnn] = timed(() => exactKnn(x, n, d, REPORT_NEIGHBOURS, { kernel }));
  const [, tLabelAsw] = timed(() => labelAsw(x, n, d, label, { kernel }));
  const [, tBatchAsw] = timed(() => batchAsw(x, n, d, batch, label, { kernel }));
  const [, tLisi] = timed(() => [ilisiScaled(knn, batch), clisiScaled(knn, label)]);
  const [, tKmeans] = timed(() => kMeansNmiAri(x, n, d, label, 0, kernel));
  const [, tGraph] = timed(() => [graphConnectivity(knn, label), knnAccuracy(knn, label)]);
  const total = ((performance.now() - t0) / 1000).toFixed(2);
  console.log(
    `${n} × ${d}, ${kernel === "blas" ? `sgemm (${nativeSgemm().library})` : "TypeScript"}: kNN(90) ${tKnn} s, ` +
      `label ASW ${tLabelAsw} s, batch ASW ${tBatchAsw} s, LISI ${tLisi} s, k-means NMI/ARI ${tKmeans} s, ` +
      `graph ${tGraph} s; total ${total} s`,
  );
}
