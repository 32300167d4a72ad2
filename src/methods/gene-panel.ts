/**
 * Gene-panel embeddings (`gs`, `gs10k`): log-normalized expression of a fixed Ensembl gene list,
 * in list order, matched by `var['ensembl_id']` (first match), zero where a gene is absent.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { packagePath } from "../package-root.ts";
import { InputError } from "../errors.ts";
import { describeDuplicates, ensemblIds, firstPositions } from "../anndata/gene-ids.ts";
import { gatherColumns } from "../numerics/gather.ts";
import type { EmbeddingMethod } from "./method.ts";

const LOW_OVERLAP_WARNING = 0.5;

export function readGeneList(path: string): string[] {
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
}

export function shippedGeneList(name: string): string {
  return packagePath("resources", "gene-lists", `${name}.txt`);
}

/** For each list position, the var column holding that gene, or -1. */
export function panelColumns(list: readonly string[], varIds: readonly string[]): Int32Array {
  const first = firstPositions(varIds);
  return Int32Array.from(list, (id) => first.get(id) ?? -1);
}

/** The var column holding Ensembl ids, an option of every method that matches genes by id. */
export const ensemblColumn = z.string().min(1).default("ensembl_id");

const options = z.object({
  /** another gene list (one Ensembl id a line) instead of the shipped one */
  gene_list_file: z.string().min(1).optional(),
  ensembl_col: ensemblColumn,
});

export function genePanelMethod(
  name: string,
  listFile: string,
  description: string,
): EmbeddingMethod<z.output<typeof options>, "lognorm"> {
  const list = readGeneList(listFile);
  return {
    name,
    hardware: "cpu",
    description,
    input: "lognorm",
    options,
    requires: ["X (log-normalized, or counts)", "var['ensembl_id'] or an Ensembl var index"],
    expectedDim: () => list.length,
    async check(reader) {
      try {
        const { ids, source } = await ensemblIds(reader);
        const present = panelColumns(list, ids).filter((c) => c >= 0).length;
        return {
          ready: present > 0,
          detail: `${present}/${list.length} genes present (${((100 * present) / list.length).toFixed(1)}%, ids from ${source})`,
        };
      } catch (err) {
        return { ready: false, detail: (err as Error).message.split("\n")[0]! };
      }
    },
    async prepare(ctx) {
      const genes = ctx.options.gene_list_file ? readGeneList(ctx.options.gene_list_file) : list;
      if (ctx.configuredDim !== undefined && ctx.configuredDim !== genes.length) {
        ctx.log.warn(
          `${name}: embedding_dim_map says ${ctx.configuredDim}, but the gene list has ${genes.length} genes; using ${genes.length}`,
        );
      }
      const { ids, source } = await ensemblIds(ctx.reader, ctx.options.ensembl_col);
      const repeated = describeDuplicates(ids);
      if (repeated) ctx.log.warn(`${name}: ids in ${source}: ${repeated}; the first column of each is used`);
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
      return { dim, embed: (block, out) => void gatherColumns(block, target, dim, out) };
    },
  };
}
