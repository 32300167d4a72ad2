/** One PCA fit (dataset-level HVG + Gram + Lanczos) on a zarr, in its own process, for pca-vs-sklearn. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { datasetPca } from "../src/methods/pca-fit.ts";
import { createDatasetContext } from "../src/pipeline/dataset-context.ts";
import { createLogger } from "../src/logger.ts";

const [input, comps = "50", genes = "2000"] = process.argv.slice(2);
const cacheDir = mkdtempSync(join(tmpdir(), "scembed-pca-cache-"));
const log = createLogger({ quiet: true });
const dataset = createDatasetContext({ files: [input!], cacheDir, xIs: "lognorm", chunkRows: 1024, log });
const t0 = performance.now();
const model = await datasetPca(dataset, Number(comps), Number(genes), null, log);
process.stdout.write(
  JSON.stringify({
    seconds: (performance.now() - t0) / 1000,
    ratio: model.explainedVarianceRatio.slice(0, 3),
    components: model.components.slice(0, 3),
  }) + "\n",
);
rmSync(cacheDir, { recursive: true, force: true });
