/**
 * All metrics of `scembed report` for one embedding: the exact kNN (k = min(90, n − 1), for LISI;
 * its first 15 neighbours for the graph metrics), then only the metrics whose keys are there:
 * batch ASW and iLISI need a batch with ≥ 2 categories; label ASW, cLISI, NMI, ARI, graph
 * connectivity and kNN accuracy need labels. Aggregates as scIB: bio = mean of label ASW, NMI,
 * ARI, cLISI present; batch = mean of batch ASW, iLISI, graph connectivity present;
 * overall = 0.6 bio + 0.4 batch when both are there. A metric that cannot be computed (too few
 * cells or categories) is absent, never NaN. The kNN is returned for the UMAP.
 */
import { InputError } from "../../errors.ts";
import type { Metrics } from "../report-data.ts";
import { kMeansNmiAri } from "./clustering.ts";
import { denseCodes } from "./codes.ts";
import { graphConnectivity, knnAccuracy } from "./graph.ts";
import { exactKnn, type Knn } from "./knn.ts";
import { clisiScaled, ilisiScaled } from "./lisi.ts";
import type { DistanceKernel } from "./pairwise-distances.ts";
import { batchAsw, labelAsw } from "./silhouette.ts";

/** Neighbours the report's kNN keeps: LISI's 3 × perplexity 30. */
export const REPORT_NEIGHBOURS = 90;

export interface MetricsResult {
  metrics: Metrics;
  knn: Knn;
}

export function computeMetrics(
  x: Float32Array,
  n: number,
  d: number,
  batch: Int32Array | undefined,
  label: Int32Array | undefined,
  seed: number,
  opts: { kernel?: DistanceKernel } = {},
): MetricsResult {
  for (const [name, codes] of [
    ["batch", batch],
    ["label", label],
  ] as const)
    if (codes && codes.length !== n) throw new InputError(`${name} codes: ${codes.length} for ${n} cells`);
  const kernel = opts.kernel;
  const knn = exactKnn(x, n, d, REPORT_NEIGHBOURS, { kernel });
  const metrics: Metrics = {};
  const hasBatch = batch !== undefined && denseCodes(batch).count >= 2;
  const hasLabel = label !== undefined && denseCodes(label).count >= 1;
  if (hasBatch) {
    metrics.batchAsw = batchAsw(x, n, d, batch, hasLabel ? label : undefined, { kernel });
    metrics.ilisi = ilisiScaled(knn, batch);
  }
  if (hasLabel) {
    metrics.labelAsw = labelAsw(x, n, d, label, { kernel });
    metrics.clisi = clisiScaled(knn, label);
    const clustering = kMeansNmiAri(x, n, d, label, seed, kernel);
    metrics.nmi = clustering?.nmi;
    metrics.ari = clustering?.ari;
    metrics.graphConnectivity = graphConnectivity(knn, label);
    metrics.knnAccuracy = knnAccuracy(knn, label);
  }
  const bio = meanOf([metrics.labelAsw, metrics.nmi, metrics.ari, metrics.clisi]);
  // graph connectivity needs labels but measures batch mixing: it joins the batch score only when there are batches
  const batchScore = hasBatch ? meanOf([metrics.batchAsw, metrics.ilisi, metrics.graphConnectivity]) : undefined;
  metrics.bio = bio;
  metrics.batch = batchScore;
  if (bio !== undefined && batchScore !== undefined) metrics.overall = 0.6 * bio + 0.4 * batchScore;
  for (const key of Object.keys(metrics) as (keyof Metrics)[]) if (!Number.isFinite(metrics[key])) delete metrics[key];
  return { metrics, knn };
}

function meanOf(values: (number | undefined)[]): number | undefined {
  const present = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return present.length ? present.reduce((a, b) => a + b, 0) / present.length : undefined;
}
