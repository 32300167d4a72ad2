/** The raw counts a model needs: layers['counts'], else X when it holds non-negative integers. */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { MatrixReader } from "../anndata/matrix.ts";
import { InputError } from "../errors.ts";
import type { Logger } from "../pipeline/logger.ts";

export async function rawCounts(reader: AnnDataReader, method: string, log: Logger): Promise<MatrixReader> {
  if (await reader.has("layers/counts")) return reader.matrix("layers/counts");
  if (await reader.has("X")) {
    const x = await reader.matrix("X");
    const sample = await x.readRows(0, Math.min(reader.nObs, 1000));
    if (sample.data.every((v) => Number.isInteger(v) && v >= 0)) {
      log.info(`${method}: no layers['counts']; X holds integer counts and is used`);
      return x;
    }
  }
  throw new InputError(`${method} needs raw counts, and layers['counts'] is missing (X is not integer counts)`, {
    file: reader.path,
    key: "layers/counts",
    fix: "store the raw counts as layers['counts']",
  });
}

/** `check` of the model-based methods: raw counts present; the model directory is configured separately. */
export async function checkModelInputs(reader: AnnDataReader): Promise<{ ready: boolean; detail: string }> {
  const counts = await reader.has("layers/counts");
  return { ready: counts, detail: counts ? "raw counts present; needs init_kwargs.model_dir" : "layers['counts'] is missing" };
}
