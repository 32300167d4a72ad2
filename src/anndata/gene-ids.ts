/** Ensembl gene ids of a file's var axis: `var['ensembl_id']`, else an Ensembl var index. */
import { InputError } from "../errors.ts";
import type { AnnDataReader } from "./anndata-reader.ts";

const ENSEMBL = /^ENS[A-Z]*G\d+/;

/** Ids without version suffix ("ENSG00000141510.17" → "ENSG00000141510"); "" where unknown. */
export async function ensemblIds(reader: AnnDataReader, column = "ensembl_id"): Promise<{ ids: string[]; source: string }> {
  if (await reader.hasColumn("var", column)) {
    const values = await reader.column("var", column);
    return { ids: values.map(clean), source: `var['${column}']` };
  }
  const index = await reader.varNames();
  const hits = index.filter((v) => ENSEMBL.test(v)).length;
  if (index.length > 0 && hits / index.length >= 0.5) return { ids: index.map(clean), source: "var index" };
  throw new InputError(`no Ensembl gene ids: var['${column}'] is missing and the var index holds gene names`, {
    file: reader.path,
    key: `var/${column}`,
    fix: `add a var['${column}'] column of Ensembl ids (e.g. ENSG00000141510) to the file`,
  });
}

function clean(v: unknown): string {
  if (typeof v !== "string") return "";
  const m = ENSEMBL.exec(v.trim());
  return m ? m[0] : "";
}

/** First var position of each id (later duplicates are ignored). */
export function firstPositions(ids: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  ids.forEach((id, i) => {
    if (id !== "" && !map.has(id)) map.set(id, i);
  });
  return map;
}
