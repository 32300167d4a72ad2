/**
 * Which matrix gives the log-normalized expression the CPU methods read, decided once per file
 * and logged. `x_is: lognorm|counts` states it; `auto` decides from `layers['counts']` and the
 * values of X's first rows: integers mean counts; non-negative non-integers whose expm1 rows sum
 * to ~1e4 mean log1p(normalize_total); anything else falls back to `layers['counts']`.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import { InputError } from "../errors.ts";
import type { CsrBlock } from "../numerics/csr.ts";
import { logNormalize, medianExpm1RowSum, profileValues, rowOfEntry } from "../numerics/lognorm.ts";
import type { MatrixReader } from "../anndata/matrix.ts";

export type XIs = "auto" | "lognorm" | "counts";

export interface ExpressionSource {
  matrix: MatrixReader;
  /** counts are log-normalized per block; lognorm data is used as stored */
  transform: "lognorm" | "none";
  reason: string;
  readLognorm(r0: number, r1: number): Promise<CsrBlock>;
}

const SAMPLE_ROWS = 2000;

export async function chooseExpressionSource(reader: AnnDataReader, xIs: XIs): Promise<ExpressionSource> {
  const file = reader.path;
  const hasX = await reader.has("X");
  const hasCounts = await reader.has("layers/counts");
  if (!hasX && !hasCounts) {
    throw new InputError("neither X nor layers['counts'] is present", { file, key: "X", fix: "store the expression matrix as X or layers['counts']" });
  }
  if (xIs === "lognorm") return source(await reader.matrix("X"), "none", "x_is: lognorm (configured)", file);
  if (xIs === "counts") return source(await reader.matrix("X"), "lognorm", "x_is: counts (configured); log1p(normalize_total(X, 1e4)) per block", file);

  if (hasX) {
    const x = await reader.matrix("X");
    const n = Math.min(reader.nObs, SAMPLE_ROWS);
    const sample = await x.readRows(0, n);
    const p = profileValues(sample.data);
    if (p.firstNonFinite < 0 && p.firstNegative < 0) {
      if (p.allIntegers) {
        const same = hasCounts ? await sameStoredValues(x, await reader.matrix("layers/counts"), n) : false;
        return source(x, "lognorm", `X holds integer counts${same ? " (equal to layers['counts'])" : ""} in its first ${n} rows; log1p(normalize_total(X, 1e4)) per block`, file);
      }
      const median = medianExpm1RowSum(sample);
      if (Math.abs(median - 1e4) / 1e4 < 0.01) {
        return source(x, "none", `X is log-normalized (median row sum of expm1(X) = ${median.toFixed(1)} ≈ 1e4)`, file);
      }
      if (!hasCounts) {
        return source(x, "none", `X is non-negative, non-integer; assumed log-normalized (median row sum of expm1(X) = ${median.toFixed(1)}, not 1e4; no layers['counts'] to check against)`, file);
      }
    }
    if (!hasCounts) {
      throw new InputError("X is neither raw counts nor log-normalized (it has negative or non-finite values), and layers['counts'] is missing", {
        file,
        key: "layers/counts",
        fix: "add the raw counts as layers['counts'], or set x_is: lognorm if X really is log1p(normalize_total)",
      });
    }
  }
  return source(await reader.matrix("layers/counts"), "lognorm", "X is not usable as is; log1p(normalize_total(layers['counts'], 1e4)) per block", file);
}

function source(matrix: MatrixReader, transform: "lognorm" | "none", reason: string, file: string): ExpressionSource {
  return {
    matrix,
    transform,
    reason,
    async readLognorm(r0, r1) {
      const block = await matrix.readRows(r0, r1);
      if (transform === "none") return block;
      checkCounts(block, file, matrix.key, r0);
      return logNormalize(block);
    },
  };
}

function checkCounts(block: CsrBlock, file: string, key: string, r0: number): void {
  const p = profileValues(block.data);
  const bad = p.firstNonFinite >= 0 ? p.firstNonFinite : p.firstNegative;
  if (bad < 0) return;
  const row = r0 + rowOfEntry(block.indptr, bad);
  const what = p.firstNonFinite >= 0 ? "a NaN or infinite count" : "a negative count";
  throw new InputError(`${what} (${block.data[bad]}) in row ${row}, column ${block.indices[bad]}`, {
    file,
    key,
    fix: "counts must be finite and non-negative; fix the upstream preprocessing",
  });
}

async function sameStoredValues(a: MatrixReader, b: MatrixReader, rows: number): Promise<boolean> {
  const [x, y] = await Promise.all([a.readStored(0, rows), b.readStored(0, rows)]);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
