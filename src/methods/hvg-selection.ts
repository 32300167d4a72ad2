/**
 * Dataset-level HVG selection (the preparation artifact behind `hvg` and `pca` fit): per-gene
 * moments streamed over every file of the dataset, then scanpy's flavor='seurat'. Genes are
 * keyed by var name across files (a gene absent from a file counts as 0 there), so every chunk
 * gets the same gene space.
 */
import { z } from "zod";
import { InputError } from "../errors.ts";
import { seuratBatched, seuratSingle, topN } from "../numerics/hvg-seurat.ts";
import { addMoments, emptyMoments, type GeneMoments } from "../numerics/moments.ts";
import type { Logger } from "../logger.ts";
import { artifactKey, cachedArtifact } from "../store/artifact-cache.ts";
import type { DatasetContext } from "./method.ts";

export interface HvgSelection {
  flavor: "seurat";
  nTop: number;
  batchKey: string | null;
  nCells: number;
  /** selected gene names, in dataset var order */
  genes: string[];
}

/** The `batch_key` option of the methods that select HVGs (hvg, pca fit); unset means the section's. */
export const batchKeyOption = z.string().nullable().optional();

/** One meaning of batch_key for every HVG selection: the method's option, else the section's. */
export function resolveBatchKey(option: string | null | undefined, dataset: DatasetContext): string | null {
  const key = option ?? dataset.batchKey;
  return typeof key === "string" && key !== "" ? key : null;
}

/** `sizeSetting` names the setting that asked for `nTop` genes (embedding_dim_map.hvg, pca.n_top_genes), for the error when fewer can be selected. */
export async function datasetHvg(
  dataset: DatasetContext,
  nTop: number,
  batchKey: string | null,
  log: Logger,
  sizeSetting: string,
): Promise<HvgSelection> {
  const settings = { flavor: "seurat", nTop, batchKey };
  const key = artifactKey("hvg", settings, dataset.files);
  const { value, cached } = await cachedArtifact(dataset.cacheDir, key, () =>
    computeHvg(dataset, nTop, batchKey, sizeSetting),
  );
  log.info(
    `hvg: ${value.genes.length} genes over ${dataset.files.length} file(s), ${value.nCells} cells${batchKey ? `, batch_key '${batchKey}'` : ""} (${cached ? "from the preparation cache" : "computed"}: ${key})`,
  );
  return value;
}

/** Grows every accumulator to the current number of genes. */
function fit(m: GeneMoments, genes: number): GeneMoments {
  if (m.s1.length >= genes) return m;
  const bigger = emptyMoments(Math.max(genes, m.s1.length * 2));
  bigger.n = m.n;
  bigger.s1.set(m.s1);
  bigger.s2.set(m.s2);
  bigger.nnz.set(m.nnz);
  return bigger;
}

function trim(m: GeneMoments, genes: number): GeneMoments {
  return { n: m.n, s1: m.s1.slice(0, genes), s2: m.s2.slice(0, genes), nnz: m.nnz.slice(0, genes) };
}

async function computeHvg(
  dataset: DatasetContext,
  nTop: number,
  batchKey: string | null,
  sizeSetting: string,
): Promise<HvgSelection> {
  const names: string[] = [];
  const index = new Map<string, number>();
  const batches = new Map<string, GeneMoments>();
  let nCells = 0;
  for (const path of dataset.files) {
    let geneOf = new Int32Array(0);
    let labels: string[] = [];
    await dataset.scan(path, {
      method: "hvg",
      async begin(file) {
        geneOf = Int32Array.from(file.varNames, (name) => {
          let g = index.get(name);
          if (g === undefined) {
            g = names.length;
            index.set(name, g);
            names.push(name);
          }
          return g;
        });
        if (batchKey) {
          if (
            !(await file.obsColumn(batchKey).then(
              () => true,
              () => false,
            ))
          ) {
            throw new InputError(`batch_key '${batchKey}' is not an obs column`, {
              file: path,
              key: `obs/${batchKey}`,
              fix: "set batch_key to an existing obs column, or null",
            });
          }
          labels = (await file.obsColumn(batchKey)).map((v) => String(v));
        }
        for (const [k, m] of batches) batches.set(k, fit(m, names.length));
        nCells += file.nObs;
      },
      block(block, r0) {
        const groups = new Map<string, number[]>();
        for (let r = 0; r < block.rows; r++) {
          const label = batchKey ? labels[r0 + r]! : "";
          let list = groups.get(label);
          if (!list) groups.set(label, (list = []));
          list.push(r);
        }
        for (const [label, rows] of groups) {
          let m = batches.get(label);
          if (!m) batches.set(label, (m = emptyMoments(names.length)));
          addMoments(m, block, geneOf, rows);
        }
      },
    });
  }
  const G = names.length;
  if (nCells < 2)
    throw new InputError(`HVG selection needs at least 2 cells, the dataset has ${nCells}`, { file: dataset.files[0] });
  let selected: number[];
  if (!batchKey) {
    const m = trim(batches.get("")!, G);
    selected = topN(seuratSingle(m, nTop), nTop);
  } else {
    const keys = [...batches.keys()].sort();
    const result = seuratBatched(
      keys.map((k) => trim(batches.get(k)!, G)),
      nTop,
      names,
    );
    selected = [...result.ranked].sort((a, b) => a - b);
  }
  if (selected.length < nTop) {
    throw new InputError(`only ${selected.length} genes could be selected as highly variable, ${nTop} requested`, {
      file: dataset.files[0],
      fix: `lower ${sizeSetting} to at most ${selected.length}`,
    });
  }
  return { flavor: "seurat", nTop, batchKey, nCells, genes: selected.map((g) => names[g]!) };
}
