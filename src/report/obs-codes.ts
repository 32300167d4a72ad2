/**
 * A categorical obs column (batch or label) over several files as integer codes into one shared,
 * sorted list of categories; missing values are -1. A key absent from a file is an error that
 * names the file and lists the columns it does have.
 */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { InputError } from "../errors.ts";

export interface FileCodes {
  name: string;
  categories: string[];
  /** per file, one code per row */
  codes: Int32Array[];
}

export async function readCodes(paths: readonly string[], name: string): Promise<FileCodes> {
  const values: (string | null)[][] = [];
  for (const path of paths) {
    const r = await AnnDataReader.open(path);
    try {
      if (!(await r.hasColumn("obs", name))) {
        const obs = await r.tree.get("obs");
        const columns = obs?.kind === "group" ? (await obs.keys()).filter((k) => k !== "_index") : [];
        throw new InputError(`obs has no column '${name}'`, {
          file: r.path,
          key: `obs/${name}`,
          fix: `pick one of: ${columns.join(", ") || "(none)"}`,
        });
      }
      const column = await r.column("obs", name);
      values.push(Array.from(column, (v) => (v === null || v === undefined ? null : String(v))));
    } finally {
      r.close();
    }
  }
  const seen = new Set<string>();
  for (const file of values) for (const v of file) if (v !== null) seen.add(v);
  const categories = [...seen].sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  const index = new Map(categories.map((c, i) => [c, i]));
  return {
    name,
    categories,
    codes: values.map((file) => Int32Array.from(file, (v) => (v === null ? -1 : index.get(v)!))),
  };
}

/** The codes of the sampled rows, file after file. */
export function sampledCodes(codes: FileCodes, sampled: readonly Int32Array[]): Int32Array {
  const out: number[] = [];
  sampled.forEach((rows, f) => {
    for (const r of rows) out.push(codes.codes[f]![r]!);
  });
  return Int32Array.from(out);
}
