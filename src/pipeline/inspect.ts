/** What a file holds and what the methods would find in it: shapes, completeness, inputs. */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { embeddingStatus, type EmbeddingStatus } from "../anndata/completeness.ts";
import { hasConsolidated } from "../anndata/consolidated.ts";
import type { ExpressionInput } from "../methods/method.ts";
import { getMethod, methodNames } from "../methods/registry.ts";
import { countsSource, lognormSource } from "./expression-source.ts";

interface Readiness {
  ready: boolean;
  detail: string;
  /** what the method needs from the config besides the file (a model directory) */
  needs?: string;
}

export interface Inspection {
  file: string;
  format: string;
  nObs: number;
  nVars: number;
  layers: string[];
  consolidatedMetadata: boolean;
  /** how X (or its CSR data) and layers/counts are stored: format, chunks or shards, codecs */
  storage: Record<string, string>;
  obsm: {
    key: string;
    shape: number[];
    dtype: string;
    status: EmbeddingStatus["state"];
    detail?: string;
    storage?: string;
  }[];
  /** the expression streams the methods read, as x_is: auto finds them */
  inputs: Record<ExpressionInput, Readiness>;
  methods: ({ method: string } & Readiness)[];
}

export async function inspectFile(path: string): Promise<Inspection> {
  const reader = await AnnDataReader.open(path);
  try {
    const layersNode = await reader.tree.get("layers");
    const layers = layersNode?.kind === "group" ? await layersNode.keys() : [];
    const obsm: Inspection["obsm"] = [];
    for (const e of await reader.obsm()) {
      const st = await embeddingStatus(path, e.key, reader.nObs);
      const detail =
        st.state === "incomplete"
          ? `${st.missingChunks} chunk(s) missing`
          : st.state === "complete" && st.consolidatedStale
            ? ".zmetadata does not list it"
            : undefined;
      obsm.push({ ...e, status: st.state, detail, storage: await storageOf(reader, `obsm/${e.key}`) });
    }
    const storage: Record<string, string> = {};
    for (const key of ["X", "layers/counts"]) {
      const described = (await storageOf(reader, `${key}/data`)) ?? (await storageOf(reader, key));
      if (described) storage[key] = described;
    }
    const found = (source: Promise<{ reason: string }>): Promise<Readiness> =>
      source.then(
        (s) => ({ ready: true, detail: s.reason }),
        (err: Error) => ({ ready: false, detail: err.message.split("\n")[0]! }),
      );
    const inputs = {
      lognorm: await found(lognormSource(reader, "auto")),
      counts: await found(countsSource(reader, "auto")),
    };
    const methods: Inspection["methods"] = [];
    for (const name of methodNames()) {
      const method = getMethod(name);
      // tokens are made from the raw counts
      const input = inputs[method.input === "lognorm" ? "lognorm" : "counts"];
      const own = input.ready ? await method.check?.(reader) : undefined;
      const needs = input.ready ? own?.needs : undefined;
      methods.push({
        method: name,
        ready: input.ready && (own?.ready ?? true),
        ...(needs ? { needs } : {}),
        detail: input.ready ? (own?.detail ?? `reads ${method.input}`) : input.detail,
      });
    }
    return {
      file: path,
      format: reader.format,
      nObs: reader.nObs,
      nVars: reader.nVars,
      layers,
      consolidatedMetadata: reader.format === "zarr" && (await hasConsolidated(path)),
      storage,
      obsm,
      inputs,
      methods,
    };
  } finally {
    reader.close();
  }
}

async function storageOf(reader: AnnDataReader, key: string): Promise<string | undefined> {
  const node = await reader.tree.get(key);
  return node?.kind === "array" ? node.storage : undefined;
}

export function formatInspection(i: Inspection): string {
  const lines = [
    `${i.file} (${i.format}): ${i.nObs} cells × ${i.nVars} genes`,
    `layers: ${i.layers.length ? i.layers.join(", ") : "(none)"}${i.format === "zarr" ? `; consolidated metadata: ${i.consolidatedMetadata ? "yes" : "no"}` : ""}`,
    ...Object.entries(i.storage).map(([key, how]) => `${key}: ${how}`),
    "obsm:",
    ...(i.obsm.length
      ? i.obsm.map(
          (o) =>
            `  ${o.key.padEnd(16)} (${o.shape.join(", ")}) ${o.dtype}  ${o.status}${o.detail ? ` — ${o.detail}` : ""}${o.storage ? `  [${o.storage}]` : ""}`,
        )
      : ["  (none)"]),
    "inputs:",
    ...Object.entries(i.inputs).map(
      ([name, r]) => `  ${name.padEnd(16)} ${r.ready ? "found" : "MISSING"}  ${r.detail}`,
    ),
    "methods:",
    ...i.methods.map(
      (m) => `  ${m.method.padEnd(16)} ${m.ready ? "ready" : m.needs ? `needs ${m.needs};` : "NOT READY"}  ${m.detail}`,
    ),
  ];
  return lines.join("\n");
}
