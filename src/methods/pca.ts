/**
 * `pca`: 50 principal components of log-normalized expression.
 * - `mode: pretrained` (default, the reference's): its cross-dataset StandardScaler + PCA over 10,000
 *   genes, read from the scikit-learn pickle. The scaler is folded into the projection, so the
 *   work is a sparse × dense product: x_pca = x·(C/σ)ᵀ − (μ/σ + m)·Cᵀ. A missing gene is x = 0
 *   before scaling, as in the reference.
 * - `mode: fit`: components fitted once per dataset in the preparation phase (see pca-fit.ts),
 *   `n_comps` components of the `n_top_genes` HVGs, selected with `batch_key` as hvg does.
 */
import { z } from "zod";
import { describeDuplicates, ensemblIds } from "../anndata/gene-ids.ts";
import { InputError } from "../errors.ts";
import { readPretrainedPca, type PretrainedPca } from "../models/sklearn-pca.ts";
import { csrTimesDense } from "../numerics/sparse-dense.ts";
import { packagePath } from "../package-root.ts";
import { ensemblColumn, panelColumns } from "./gene-panel.ts";
import { batchKeyOption, resolveBatchKey } from "./hvg-selection.ts";
import type { Embedder, EmbeddingMethod, MethodContext } from "./method.ts";
import { fittedPcaEmbedder } from "./pca-fit.ts";

export const DEFAULT_PCA_MODEL = packagePath("resources", "pca", "cellxgene_geo_pca_10000_to_50.pkl");

const models = new Map<string, PretrainedPca>();
function loadModel(path: string): PretrainedPca {
  let m = models.get(path);
  if (!m) models.set(path, (m = readPretrainedPca(path)));
  return m;
}

const options = z.object({
  mode: z.enum(["pretrained", "fit"]).default("pretrained"),
  /** pretrained: the scikit-learn pickle (scaler + PCA) */
  model_file: z.string().min(1).optional(),
  ensembl_col: ensemblColumn,
  /** fit: components (default embedding_dim_map.pca, else 50) and HVGs to fit on */
  n_comps: z.number().int().positive().optional(),
  n_top_genes: z.number().int().positive().default(2000),
  batch_key: batchKeyOption,
});
type PcaOptions = z.output<typeof options>;

/** The pretrained projection folded for one file's var axis. */
export async function pretrainedEmbedder(
  ctx: MethodContext<PcaOptions>,
  model: PretrainedPca,
): Promise<Embedder<"lognorm">> {
  const { ids, source } = await ensemblIds(ctx.reader, ctx.options.ensembl_col);
  const repeated = describeDuplicates(ids);
  if (repeated) ctx.log.warn(`pca: ids in ${source}: ${repeated}; the first column of each is used`);
  const columns = panelColumns(model.genes, ids);
  const present = columns.reduce((n, c) => n + (c >= 0 ? 1 : 0), 0);
  if (present === 0)
    throw new InputError(`none of the PCA model's ${model.G} genes is in the file (ids from ${source})`, {
      file: ctx.reader.path,
      key: "var/ensembl_id",
    });
  const msg = `pca: ${present}/${model.G} model genes found (${((100 * present) / model.G).toFixed(1)}%); missing genes are 0 before scaling`;
  if (present / model.G < 0.5) ctx.log.warn(msg);
  else ctx.log.info(msg);
  const { K, G, components: C, scalerMean: mu, scalerScale: sd, pcaMean: m } = model;
  const rowOf = new Int32Array(ctx.reader.nVars).fill(-1);
  const W = new Float64Array(present * K);
  let w = 0;
  columns.forEach((col, g) => {
    if (col < 0 || rowOf[col] !== -1) return;
    rowOf[col] = w;
    for (let k = 0; k < K; k++) W[w * K + k] = C[k * G + g]! / sd[g]!;
    w++;
  });
  const bias = new Float64Array(K);
  for (let g = 0; g < G; g++) {
    const shift = mu[g]! / sd[g]! + m[g]!;
    for (let k = 0; k < K; k++) bias[k]! -= shift * C[k * G + g]!;
  }
  return { dim: K, embed: (block, out) => csrTimesDense(block, rowOf, W, K, bias, out) };
}

export const pca: EmbeddingMethod<PcaOptions, "lognorm"> = {
  name: "pca",
  hardware: "cpu",
  description: "50 principal components (the reference's pretrained 10k-gene PCA, or fitted per dataset)",
  input: "lognorm",
  options,
  renamedOptions: { hvg_batch_key: "batch_key" },
  requires: ["X (log-normalized, or counts)", "var['ensembl_id'] (pretrained mode)"],
  expectedDim: () => 50,
  async check(reader) {
    try {
      const { ids } = await ensemblIds(reader);
      const model = loadModel(DEFAULT_PCA_MODEL);
      const present = panelColumns(model.genes, ids).filter((c) => c >= 0).length;
      return { ready: present > 0, detail: `pretrained: ${present}/${model.G} model genes present` };
    } catch (err) {
      return { ready: false, detail: (err as Error).message.split("\n")[0]! };
    }
  },
  async prepare(ctx) {
    const o = ctx.options;
    if (o.mode === "fit")
      return fittedPcaEmbedder(ctx, {
        K: o.n_comps ?? ctx.configuredDim ?? 50,
        nTopGenes: o.n_top_genes,
        batchKey: resolveBatchKey(o.batch_key, ctx.dataset),
      });
    const model = loadModel(o.model_file ?? DEFAULT_PCA_MODEL);
    if (ctx.configuredDim !== undefined && ctx.configuredDim !== model.K)
      ctx.log.warn(
        `pca: embedding_dim_map says ${ctx.configuredDim}, the model has ${model.K} components; using ${model.K}`,
      );
    return pretrainedEmbedder(ctx, model);
  },
};
