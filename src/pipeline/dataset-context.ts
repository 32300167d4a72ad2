/** The DatasetContext the methods see: the dataset's files, its cache, and a streamed scan. */
import { resolve, sep } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { ConfigError } from "../errors.ts";
import type { DatasetContext } from "../methods/method.ts";
import { chooseExpressionSource, type XIs } from "./expression-source.ts";
import type { Logger } from "./logger.ts";

export interface DatasetSettings {
  files: string[];
  cacheDir: string;
  batchKey?: string | null;
  xIs: XIs;
  chunkRows: number;
  log: Logger;
}

export function createDatasetContext(s: DatasetSettings): DatasetContext {
  const cacheDir = resolve(s.cacheDir);
  for (const f of s.files) {
    const root = resolve(f);
    if (cacheDir === root || cacheDir.startsWith(root + sep)) {
      throw new ConfigError(`the preparation cache ${cacheDir} would be inside the input ${f}`, { key: "cache_dir", fix: "set cache_dir outside the input tree" });
    }
  }
  return {
    files: s.files,
    cacheDir,
    batchKey: s.batchKey,
    async scan(path, visit) {
      const reader = await AnnDataReader.open(path);
      try {
        const source = await chooseExpressionSource(reader, s.xIs);
        const varNames = await reader.varNames();
        const file = {
          path,
          nObs: reader.nObs,
          nVars: reader.nVars,
          varNames,
          obsColumn: async (name: string) => (await reader.column("obs", name)) as unknown[],
        };
        await visit.begin?.(file);
        for (let r0 = 0; r0 < reader.nObs; r0 += s.chunkRows) {
          await visit.block(await source.readLognorm(r0, Math.min(reader.nObs, r0 + s.chunkRows)), r0);
        }
      } finally {
        reader.close();
      }
    },
  };
}
