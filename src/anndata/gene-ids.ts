/** Ensembl gene ids of a file's var axis: `var['ensembl_id']`, else an Ensembl var index. */
import { InputError } from "../errors.ts";
import type { AnnDataReader } from "./anndata-reader.ts";

const ENSEMBL = /^ENS[A-Z]*G\d+/;

/** Ids without version suffix ("ENSG00000141510.17" → "ENSG00000141510"); "" where unknown. */
export async function ensemblIds(
  reader: AnnDataReader,
  column = "ensembl_id",
): Promise<{ ids: string[]; source: string }> {
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

/** Names or ids that occur more than once, in words ("ENSG… at columns 5 and 17, …"), or undefined when all are unique. */
export function describeDuplicates(names: readonly string[], shown = 3): string | undefined {
  const seen = new Map<string, number[]>();
  names.forEach((name, c) => {
    if (name === "") return;
    const at = seen.get(name);
    if (at) at.push(c);
    else seen.set(name, [c]);
  });
  const repeated = [...seen].filter(([, at]) => at.length > 1);
  if (repeated.length === 0) return undefined;
  const listed = repeated.slice(0, shown).map(([name, at]) => `${name} at columns ${at.join(" and ")}`);
  return `${repeated.length} occur more than once: ${listed.join("; ")}${repeated.length > shown ? "; …" : ""}`;
}
