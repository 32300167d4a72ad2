/**
 * PCA fitted on the whole dataset (`pca.mode: fit`), in the preparation phase: the top-N HVGs
 * (default 2000) of log-normalized data, implicitly centered: one streamed pass accumulates the
 * column sums and the Gram matrix AᵀA (sparse outer products, never a dense n × G copy), the
 * covariance (AᵀA − n·μμᵀ)/(n−1) gives the components by Lanczos. Exact up to float64 rounding;
 * signs as scikit-learn ≥ 1.5 (largest |loading| positive). Every chunk is projected with the
 * same components.
 */
import { topEigen } from "../numerics/eigen.ts";
import { covariance } from "../numerics/gram.ts";
import { ParallelGram } from "../numerics/parallel-gram.ts";
import { csrTimesDense } from "../numerics/sparse-dense.ts";
import type { Logger } from "../logger.ts";
import { artifactKey, cachedArtifact } from "../store/artifact-cache.ts";
import { columnsByName } from "./hvg.ts";
import { datasetHvg } from "./hvg-selection.ts";
import type { DatasetContext, Embedder, MethodContext } from "./method.ts";

export interface FittedPca {
  genes: string[];
  K: number;
  means: number[];
  /** K × G row-major */
  components: number[];
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  nCells: number;
}

export async function datasetPca(
  dataset: DatasetContext,
  K: number,
  nTopGenes: number,
  batchKey: string | null,
  log: Logger,
): Promise<FittedPca> {
  const hvg = await datasetHvg(dataset, nTopGenes, batchKey, log, "pca.n_top_genes (init_kwargs_pca.n_top_genes)");
  const key = artifactKey("pca-fit", { K, genes: hvg.genes }, dataset.files);
  const { value, cached } = await cachedArtifact(dataset.cacheDir, key, () => fitPca(dataset, hvg.genes, K));
  log.info(
    `pca: ${value.K} components of ${value.genes.length} HVGs over ${value.nCells} cells (${cached ? "from the preparation cache" : "fitted"}: ${key}); explained variance ${value.explainedVarianceRatio.reduce((a, b) => a + b, 0).toFixed(4)}`,
  );
  return value;
}

/** blocks handed to the Gram workers (two in flight each): small, so memory stays a few MB and the work spreads */
const GRAM_BLOCK_ROWS = 1024;

async function fitPca(dataset: DatasetContext, genes: string[], K: number): Promise<FittedPca> {
  const P = genes.length;
  const gram = new ParallelGram(P);
  for (const path of dataset.files) {
    let posOf: Int32Array = new Int32Array(0);
    await dataset.scan(path, {
      method: "pca",
      blockRows: GRAM_BLOCK_ROWS,
      async begin(file) {
        posOf = columnsByName(file.varNames, genes);
      },
      block: (block) => gram.add(block, posOf),
    });
  }
  const acc = await gram.finish();
  const { cov, means, totalVariance } = covariance(acc);
  const k = Math.min(K, P);
  const eig = topEigen(cov, P, k);
  const components = new Array<number>(k * P);
  for (let j = 0; j < k; j++) {
    let big = 0;
    for (let g = 0; g < P; g++) if (Math.abs(eig.vectors[g * k + j]!) > Math.abs(big)) big = eig.vectors[g * k + j]!;
    const sign = big < 0 ? -1 : 1;
    for (let g = 0; g < P; g++) components[j * P + g] = sign * eig.vectors[g * k + j]!;
  }
  const explainedVariance = Array.from(eig.values, (v) => Math.max(0, v));
  return {
    genes,
    K: k,
    means: Array.from(means),
    components,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => v / totalVariance),
    nCells: acc.n,
  };
}

export interface FitSettings {
  K: number;
  nTopGenes: number;
  batchKey: string | null;
}

export async function fittedPcaEmbedder(ctx: MethodContext, s: FitSettings): Promise<Embedder<"lognorm">> {
  const model = await datasetPca(ctx.dataset, s.K, s.nTopGenes, s.batchKey, ctx.log);
  const P = model.genes.length,
    k = model.K;
  const target = columnsByName(await ctx.reader.varNames(), model.genes);
  // scores = (x − μ)·Vᵀ = x·Vᵀ − μ·Vᵀ
  const W = new Float64Array(P * k);
  for (let j = 0; j < k; j++) for (let g = 0; g < P; g++) W[g * k + j] = model.components[j * P + g]!;
  const bias = new Float64Array(k);
  for (let j = 0; j < k; j++) for (let g = 0; g < P; g++) bias[j]! -= model.means[g]! * model.components[j * P + g]!;
  return { dim: k, embed: (block, out) => csrTimesDense(block, target, W, k, bias, out) };
}
