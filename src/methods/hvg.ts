/**
 * `hvg`: log-normalized expression of the highly variable genes, in var order.
 * - default (`source: dataset`): one selection per dataset (scanpy flavor='seurat' over every
 *   chunk, optional batch_key), computed in the preparation phase and cached, so `X_hvg` columns
 *   mean the same genes in every file.
 * - `source: reuse`: the reference's behaviour, per file: `var['highly_variable']` when it flags
 *   at least dim genes (the dim largest `dispersions_norm` over all genes when it flags more),
 *   else a selection on that file alone.
 * `batch_key` (default: the section's) selects per batch, as scanpy does.
 */
import { z } from "zod";
import { describeDuplicates } from "../anndata/gene-ids.ts";
import { InputError } from "../errors.ts";
import { gatherColumns } from "../numerics/gather.ts";
import { batchKeyOption, datasetHvg, resolveBatchKey } from "./hvg-selection.ts";
import type { EmbeddingMethod, MethodContext } from "./method.ts";

export const DEFAULT_HVG_DIM = 512;
/** the setting that sets how many genes hvg selects, for its error messages */
const HVG_SIZE = "embedding_dim_map.hvg (the hvg dimension)";

/** Output column of each var column, from gene names; absent genes stay zero. */
export function columnsByName(varNames: readonly string[], genes: readonly string[]): Int32Array {
  const pos = new Map(genes.map((g, i) => [g, i]));
  const target = new Int32Array(varNames.length).fill(-1);
  const used = new Uint8Array(genes.length);
  varNames.forEach((name, c) => {
    const p = pos.get(name);
    if (p !== undefined && !used[p]) {
      target[c] = p;
      used[p] = 1;
    }
  });
  return target;
}

const options = z.object({
  source: z.enum(["dataset", "reuse"]).default("dataset"),
  batch_key: batchKeyOption,
});
type HvgOptions = z.output<typeof options>;

/** var['highly_variable'] of the file, or why it cannot be reused */
async function reuseSelection(
  ctx: MethodContext<HvgOptions>,
  dim: number,
): Promise<{ genes: string[] } | { why: string }> {
  const { reader } = ctx;
  if (!(await reader.hasColumn("var", "highly_variable"))) return { why: "the file has no var['highly_variable']" };
  const flags = (await reader.column("var", "highly_variable")).map((v) => v === true || v === 1);
  const count = flags.filter(Boolean).length;
  if (count < dim) return { why: `var['highly_variable'] flags ${count} genes, fewer than ${dim}` };
  const names = await reader.varNames();
  if (count === dim) return { genes: names.filter((_, i) => flags[i]) };
  if (!(await reader.hasColumn("var", "dispersions_norm"))) {
    throw new InputError(
      `var['highly_variable'] flags ${count} genes, more than ${dim}, and there is no var['dispersions_norm'] to choose by`,
      { file: reader.path, key: "var/dispersions_norm" },
    );
  }
  // the reference ranks all genes here, not just the flagged ones
  const disp = (await reader.column("var", "dispersions_norm")).map((v) =>
    v === null || Number.isNaN(Number(v)) ? -Infinity : Number(v),
  );
  const top = disp
    .map((d, i) => [d, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, dim)
    .map(([, i]) => i)
    .sort((a, b) => a - b);
  return { genes: top.map((i) => names[i]!) };
}

export const hvg: EmbeddingMethod<HvgOptions, "lognorm"> = {
  name: "hvg",
  hardware: "cpu",
  description: "log-normalized expression of the dataset's highly variable genes (scanpy seurat flavor)",
  input: "lognorm",
  options,
  requires: ["X (log-normalized, or counts)"],
  expectedDim: (configured) => configured ?? DEFAULT_HVG_DIM,
  async check(reader) {
    return { ready: reader.nObs > 1, detail: `selection over the dataset's ${reader.nVars} genes` };
  },
  async prepare(ctx) {
    const dim = ctx.configuredDim ?? DEFAULT_HVG_DIM;
    const batchKey = resolveBatchKey(ctx.options.batch_key, ctx.dataset);
    let genes: string[] | undefined;
    if (ctx.options.source === "reuse") {
      const reused = await reuseSelection(ctx, dim);
      if ("genes" in reused) {
        genes = reused.genes;
        ctx.log.info(`hvg: reusing var['highly_variable'] of this file (${genes.length} genes)`);
      } else {
        ctx.log.info(`hvg: ${reused.why}; selecting on this file alone`);
        genes = (await datasetHvg({ ...ctx.dataset, files: [ctx.reader.path] }, dim, batchKey, ctx.log, HVG_SIZE))
          .genes;
      }
    } else {
      genes = (await datasetHvg(ctx.dataset, dim, batchKey, ctx.log, HVG_SIZE)).genes;
    }
    const varNames = await ctx.reader.varNames();
    const repeated = describeDuplicates(varNames);
    if (repeated) ctx.log.warn(`hvg: var names: ${repeated}; the first column of each is used`);
    const target = columnsByName(varNames, genes);
    const present = target.reduce((n, p) => n + (p >= 0 ? 1 : 0), 0);
    if (present < genes.length)
      ctx.log.warn(
        `hvg: ${genes.length - present} of the dataset's ${genes.length} HVGs are not in this file; their columns are 0`,
      );
    return { dim: genes.length, embed: (block, out) => void gatherColumns(block, target, genes!.length, out) };
  },
};
