/** Tokenizes one file into a fresh cache (the preparation step), in its own process, for tokenizer-vs-numpy. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { getMethod } from "../src/methods/registry.ts";
import { createDatasetContext } from "../src/pipeline/dataset-context.ts";
import { createLogger } from "../src/logger.ts";

const [input, method = "geneformer-v1"] = process.argv.slice(2);
const cacheDir = mkdtempSync(join(tmpdir(), "scembed-tok-"));
const log = createLogger({ quiet: true });
const t0 = performance.now();
const reader = await AnnDataReader.open(input!);
const dataset = createDatasetContext({ files: [input!], cacheDir, xIs: "auto", chunkRows: 4096, log });
// prepare runs the tokenizer and then needs a model: stop right after the tokens are cached
await getMethod(method)
  .prepare({ reader, options: getMethod(method).options.parse({ model_dir: "/nonexistent" }), log, dataset })
  .catch((err: Error) => {
    if (!/model directory not found/.test(err.message)) throw err;
  });
process.stdout.write(JSON.stringify({ seconds: (performance.now() - t0) / 1000 }) + "\n");
reader.close();
rmSync(cacheDir, { recursive: true, force: true });
