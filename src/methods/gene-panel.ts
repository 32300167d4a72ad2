/**
 * Gene-panel embeddings (`gs`, `gs10k`): log-normalized expression of a fixed Ensembl gene list,
 * in list order, matched by `var['ensembl_id']` (first match), zero where a gene is absent.
 */
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.ts";
import { InputError } from "../errors.ts";
import { ensemblIds, firstPositions } from "../anndata/gene-ids.ts";
import { gatherColumns } from "../numerics/gather.ts";
import type { EmbeddingMethod, Embedder, MethodContext } from "./method.ts";

const LOW_OVERLAP_WARNING = 0.5;

export function readGeneList(path: string): string[] {
  return readFileSync(path, "utf8").split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

export function shippedGeneList(name: string): string {
  return packagePath("resources", "gene-lists", `${name}.txt`);
}

/** For each list position, the var column holding that gene, or -1. */
export function panelColumns(list: readonly string[], varIds: readonly string[]): Int32Array {
  const first = firstPositions(varIds);
  return Int32Array.from(list, (id) => first.get(id) ?? -1);
}

export function genePanelMethod(name: string, listFile: string, description: string): EmbeddingMethod {
  const list = readGeneList(listFile);
  return {
    name,
    hardware: "cpu",
    description,
    requires: ["X (log-normalized, or counts)", "var['ensembl_id'] or an Ensembl var index"],
    expectedDim: () => list.length,
    async check(reader) {
      try {
        const { ids, source } = await ensemblIds(reader);
        const present = panelColumns(list, ids).filter((c) => c >= 0).length;
        return { ready: present > 0, detail: `${present}/${list.length} genes present (${((100 * present) / list.length).toFixed(1)}%, ids from ${source})` };
      } catch (err) {
        return { ready: false, detail: (err as Error).message.split("\n")[0]! };
      }
    },
    async prepare(ctx: MethodContext): Promise<Embedder> {
      const listPath = typeof ctx.initKwargs["gene_list_file"] === "string" ? (ctx.initKwargs["gene_list_file"] as string) : undefined;
      const genes = listPath ? readGeneList(listPath) : list;
      if (ctx.configuredDim !== undefined && ctx.configuredDim !== genes.length) {
        ctx.log.warn(`${name}: embedding_dim_map says ${ctx.configuredDim}, but the gene list has ${genes.length} genes; using ${genes.length}`);
      }
      const { ids, source } = await ensemblIds(ctx.reader, (ctx.initKwargs["ensembl_col"] as string) ?? "ensembl_id");
      const columns = panelColumns(genes, ids);
      const present = columns.reduce((n, c) => n + (c >= 0 ? 1 : 0), 0);
      const fraction = present / genes.length;
      if (present === 0) {
        throw new InputError(`none of the ${genes.length} ${name} genes is in the file (ids from ${source})`, {
          file: ctx.reader.path,
          key: "var/ensembl_id",
          fix: "check that the ids are human Ensembl gene ids (ENSG…)",
        });
      }
      const msg = `${name}: ${present}/${genes.length} genes found (${(100 * fraction).toFixed(1)}%, ids from ${source}); missing genes are zero`;
      if (fraction < LOW_OVERLAP_WARNING) ctx.log.warn(`${msg} — low overlap`);
      else ctx.log.info(msg);
      const target = new Int32Array(ctx.reader.nVars).fill(-1);
      columns.forEach((col, pos) => {
        if (col >= 0 && target[col] === -1) target[col] = pos;
      });
      const dim = genes.length;
      return { dim, input: "lognorm", embed: (block, out) => void gatherColumns(block, target, dim, out) };
    },
  };
}
