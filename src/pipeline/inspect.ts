/** What a file holds and what the methods would find in it: shapes, completeness, inputs. */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus, type EmbeddingStatus } from "../anndata/completeness.ts";
import { hasConsolidated } from "../anndata/consolidated.ts";
import { getMethod, methodNames } from "../methods/registry.ts";

export interface Inspection {
  file: string;
  format: string;
  nObs: number;
  nVars: number;
  layers: string[];
  consolidatedMetadata: boolean;
  obsm: { key: string; shape: number[]; dtype: string; status: EmbeddingStatus["state"]; detail?: string }[];
  methods: { method: string; ready: boolean; detail: string }[];
}

export async function inspectFile(path: string): Promise<Inspection> {
  const reader = await AnnDataReader.open(path);
  try {
    const layersNode = await reader.tree.get("layers");
    const layers = layersNode?.kind === "group" ? await layersNode.keys() : [];
    const obsm: Inspection["obsm"] = [];
    for (const e of await reader.obsm()) {
      const st = await embeddingStatus(path, e.key, reader.nObs);
      const detail = st.state === "incomplete" ? `${st.missingChunks} chunk(s) missing` : st.state === "complete" && st.consolidatedStale ? ".zmetadata does not list it" : undefined;
      obsm.push({ ...e, status: st.state, detail });
    }
    const methods: Inspection["methods"] = [];
    for (const name of methodNames()) methods.push({ method: name, ...(await getMethod(name).check(reader)) });
    return {
      file: path,
      format: reader.format,
      nObs: reader.nObs,
      nVars: reader.nVars,
      layers,
      consolidatedMetadata: reader.format === "zarr" && (await hasConsolidated(path)),
      obsm,
      methods,
    };
  } finally {
    reader.close();
  }
}

export function formatInspection(i: Inspection): string {
  const lines = [
    `${i.file} (${i.format}): ${i.nObs} cells × ${i.nVars} genes`,
    `layers: ${i.layers.length ? i.layers.join(", ") : "(none)"}${i.format === "zarr" ? `; consolidated metadata: ${i.consolidatedMetadata ? "yes" : "no"}` : ""}`,
    "obsm:",
    ...(i.obsm.length ? i.obsm.map((o) => `  ${o.key.padEnd(16)} (${o.shape.join(", ")}) ${o.dtype}  ${o.status}${o.detail ? ` — ${o.detail}` : ""}`) : ["  (none)"]),
    "methods:",
    ...i.methods.map((m) => `  ${m.method.padEnd(16)} ${m.ready ? "ready" : "NOT READY"}  ${m.detail}`),
  ];
  return lines.join("\n");
}
