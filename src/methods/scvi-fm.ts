/**
 * `scvi_fm`: the CELLxGENE census scVI model's latent mean (50-d), computed by our own encoder
 * from the model directory users already have (no download, no scvi-tools). Raw counts are
 * aligned to the model's genes by `var['ensembl_id']` (a hash map; missing genes are 0) and
 * streamed in row blocks; the first layer is a sparse × dense product.
 */
import { z } from "zod";
import { describeDuplicates, ensemblIds, firstPositions } from "../anndata/gene-ids.ts";
import { InputError } from "../errors.ts";
import { encodeBlockGemm, readScviModel, type ScviEncoder } from "../models/scvi.ts";
import { nativeSgemm } from "../numerics/native-blas.ts";
import { ScviPool } from "../models/scvi-pool.ts";
import { ensemblColumn } from "./gene-panel.ts";
import type { EmbeddingMethod } from "./method.ts";

const models = new Map<string, ScviEncoder>();

const options = z.object({
  /** the census model's modelhub folder (model.pt) */
  model_dir: z.string().optional(),
  ensembl_col: ensemblColumn,
  /** the smallest fraction of the model's genes the file must have */
  min_gene_overlap: z.number().min(0).max(1).default(0.05),
});

export const scviFm: EmbeddingMethod<z.output<typeof options>, "counts"> = {
  name: "scvi_fm",
  hardware: "cpu",
  description: "scVI (CELLxGENE census model) posterior mean latent",
  input: "counts",
  options,
  requires: [
    "layers['counts'] (raw counts)",
    "var['ensembl_id']",
    "the census scVI model directory (init_kwargs.model_dir)",
  ],
  expectedDim: () => undefined,
  check: async () => ({
    ready: false,
    needs: "init_kwargs.model_dir",
    detail: "reads the raw counts; the model directory is set in the config",
  }),
  async prepare(ctx) {
    const dir = ctx.options.model_dir;
    if (!dir) {
      throw new InputError("no scVI model directory", {
        key: "init_kwargs_scvi_fm.model_dir",
        fix: "download the CELLxGENE census scVI model (homo_sapiens 2024-02-12, the modelhub folder with model.pt) and set ++embedding_cpu.init_kwargs_scvi_fm.model_dir=/path/to/modelhub",
      });
    }
    let enc = models.get(dir);
    if (!enc) models.set(dir, (enc = readScviModel(dir)));
    const { ids, source } = await ensemblIds(ctx.reader, ctx.options.ensembl_col);
    const repeated = describeDuplicates(ids);
    if (repeated) ctx.log.warn(`scvi_fm: ids in ${source}: ${repeated}; the first column of each is used`);
    const first = firstPositions(ids);
    const rowOf = new Int32Array(ctx.reader.nVars).fill(-1);
    let present = 0;
    enc.varNames.forEach((g, i) => {
      const c = first.get(g);
      if (c !== undefined && rowOf[c] === -1) {
        rowOf[c] = i;
        present++;
      }
    });
    const fraction = present / enc.varNames.length;
    const minimum = ctx.options.min_gene_overlap;
    const msg = `scvi_fm: ${present}/${enc.varNames.length} model genes found (${(100 * fraction).toFixed(1)}%, ids from ${source}); missing genes are 0`;
    if (fraction < minimum)
      throw new InputError(`${msg}, below min_gene_overlap ${minimum}`, {
        file: ctx.reader.path,
        key: "var/ensembl_id",
        fix: "check the gene ids, or lower init_kwargs_scvi_fm.min_gene_overlap",
      });
    if (fraction < 0.5) ctx.log.warn(msg);
    else ctx.log.info(msg);
    const model = enc;
    const { sgemm, library } = nativeSgemm();
    if (sgemm) {
      // the first layer as a native GEMM over the present genes only
      const nOut = model.layers[0]!.nOut;
      const colOf = new Int32Array(ctx.reader.nVars).fill(-1);
      const Wp = new Float32Array(present * nOut);
      let p = 0;
      rowOf.forEach((g, c) => {
        if (g < 0) return;
        colOf[c] = p;
        Wp.set(model.layers[0]!.Wt.subarray(g * nOut, (g + 1) * nOut), p * nOut);
        p++;
      });
      ctx.log.info(`scvi_fm: first layer on ${library} (cblas_sgemm)`);
      return {
        dim: model.nLatent,
        embed: (counts, out) => encodeBlockGemm(model, counts, colOf, Wp, present, sgemm, out),
      };
    }
    ctx.log.info("scvi_fm: no native BLAS found (libopenblas); encoding in TypeScript on worker threads");
    const pool = new ScviPool(model, rowOf);
    return { dim: model.nLatent, embed: (counts, out) => pool.encode(counts, out) };
  },
};
