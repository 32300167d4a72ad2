/** A DatasetContext over given files, with its cache in a temp dir. */
import type { DatasetContext } from "../../src/methods/method.ts";
import { createDatasetContext } from "../../src/pipeline/dataset-context.ts";
import { memoryLogger } from "../../src/logger.ts";

export function testDataset(files: string[], cacheDir: string, batchKey: string | null = null): DatasetContext {
  return createDatasetContext({ files, cacheDir, batchKey, xIs: "auto", chunkRows: 1000, log: memoryLogger() });
}
