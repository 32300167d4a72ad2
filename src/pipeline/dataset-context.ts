/** The DatasetContext the methods see: the dataset's files, its cache, and their expression streams. */
import { resolve, sep } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { ConfigError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { DatasetContext, FileInputs } from "../methods/method.ts";
import type { XIs } from "./expression-source.ts";
import { fileInputs } from "./file-inputs.ts";

export interface DatasetSettings {
  files: string[];
  cacheDir: string;
  batchKey?: string | null;
  xIs: XIs;
  chunkRows: number;
  log: Logger;
  /** stops a scan between its blocks */
  signal?: AbortSignal;
}

export function createDatasetContext(s: DatasetSettings): DatasetContext {
  const cacheDir = resolve(s.cacheDir);
  for (const f of s.files) {
    const root = resolve(f);
    if (cacheDir === root || cacheDir.startsWith(root + sep)) {
      throw new ConfigError(`the preparation cache ${cacheDir} would be inside the input ${f}`, {
        key: "cache_dir",
        fix: "set cache_dir outside the input tree",
      });
    }
  }
  const opened = new WeakMap<AnnDataReader, FileInputs>();
  return {
    files: s.files,
    cacheDir,
    batchKey: s.batchKey,
    inputs(reader) {
      let inputs = opened.get(reader);
      if (!inputs) opened.set(reader, (inputs = fileInputs(reader, s)));
      return inputs;
    },
    async scan(path, visit) {
      const reader = await AnnDataReader.open(path);
      try {
        const file = {
          path,
          nObs: reader.nObs,
          nVars: reader.nVars,
          varNames: await reader.varNames(),
          obsColumn: async (name: string) => (await reader.column("obs", name)) as unknown[],
        };
        const inputs = fileInputs(reader, { xIs: s.xIs, chunkRows: s.chunkRows });
        await inputs.open("lognorm");
        await visit.begin?.(file);
        const nth = s.files.indexOf(path);
        const progress = s.log.progress(
          "scan",
          reader.nObs,
          { file: path, ...(visit.method ? { method: visit.method } : {}) },
          `file ${nth + 1} of ${s.files.length}`,
        );
        try {
          for await (const { r0, block } of inputs.blocks("lognorm", visit.blockRows)) {
            s.signal?.throwIfAborted();
            await visit.block(block, r0);
            progress.update(r0 + block.rows);
          }
        } finally {
          progress.finish();
        }
      } finally {
        reader.close();
      }
    },
  };
}
