/**
 * Which matrix gives a file's expression streams, decided once per file with a reason to log.
 * One rule says whether X holds counts: `x_is: counts|lognorm` states it; `auto` looks at X's
 * first rows (finite, non-negative integers mean counts). Counts come from `layers['counts']`,
 * else from X when it holds counts. The log-normalized stream is log1p(normalize_total) of that
 * counts stream, or X as stored when its expm1 rows sum to ~1e4 (anything else falls back to
 * `layers['counts']`). Every block of every stream is checked as it is read, whatever the first
 * rows said: finite and non-negative, and whole numbers where raw counts are the input.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { MatrixReader } from "../anndata/matrix.ts";
import { InputError } from "../errors.ts";
import type { CsrBlock } from "../numerics/csr.ts";
import { logNormalizeChecked, medianExpm1RowSum, profileValues, type ValueProfile } from "../numerics/lognorm.ts";
import type { ValueRule } from "../numerics/value-check.ts";
import { checkBlock } from "../anndata/block-check.ts";

export type XIs = "auto" | "lognorm" | "counts";

export interface RowSource {
  matrix: MatrixReader;
  /** counts are log-normalized per block; lognorm data is used as stored */
  transform: "lognorm" | "none";
  reason: string;
  /** rows [r0, r1) of the stream */
  read(r0: number, r1: number): Promise<CsrBlock>;
}

/** rows of X that decide `x_is: auto` */
const SAMPLE_ROWS = 2000;

interface XSample {
  x: MatrixReader;
  rows: number;
  block: CsrBlock;
  profile: ValueProfile;
}

async function sampleX(reader: AnnDataReader): Promise<XSample> {
  const x = await reader.matrix("X");
  const rows = Math.min(reader.nObs, SAMPLE_ROWS);
  const block = await x.readRows(0, rows);
  return { x, rows, block, profile: profileValues(block.data) };
}

/** The one rule for "X holds counts". */
function holdsCounts(p: ValueProfile): boolean {
  return p.firstNonFinite < 0 && p.firstNegative < 0 && p.allIntegers;
}

/** Raw counts: layers['counts'], else X when it holds counts; every value must be a whole number. */
export async function countsSource(reader: AnnDataReader, xIs: XIs): Promise<RowSource> {
  const raw = (m: MatrixReader, reason: string) => counts(m, "none", reason, reader.path);
  if (await reader.has("layers/counts")) return raw(await reader.matrix("layers/counts"), "layers['counts']");
  if (xIs === "counts") return raw(await reader.matrix("X"), "X (x_is: counts, configured); no layers['counts']");
  if (xIs === "auto" && (await reader.has("X"))) {
    const s = await sampleX(reader);
    if (holdsCounts(s.profile))
      return raw(s.x, `X holds integer counts in its first ${s.rows} rows; no layers['counts']`);
  }
  throw new InputError(
    `raw counts are needed, and layers['counts'] is missing (X is not integer counts${xIs === "lognorm" ? ": x_is: lognorm" : ""})`,
    {
      file: reader.path,
      key: "layers/counts",
      fix: "store the raw counts as layers['counts']",
    },
  );
}

/** log1p(normalize_total(counts, 1e4)), as the CPU methods read it. */
export async function lognormSource(reader: AnnDataReader, xIs: XIs): Promise<RowSource> {
  const file = reader.path;
  const hasX = await reader.has("X");
  const hasCounts = await reader.has("layers/counts");
  if (!hasX && !hasCounts) {
    throw new InputError("neither X nor layers['counts'] is present", {
      file,
      key: "X",
      fix: "store the expression matrix as X or layers['counts']",
    });
  }
  if (xIs === "lognorm") return stored(await reader.matrix("X"), "x_is: lognorm (configured)", file);
  if (xIs === "counts")
    return counts(
      await reader.matrix("X"),
      "lognorm",
      "x_is: counts (configured); log1p(normalize_total(X, 1e4)) per block",
      file,
    );

  if (hasX) {
    const s = await sampleX(reader);
    const p = s.profile;
    if (holdsCounts(p)) {
      const same = hasCounts ? await sameStoredValues(s.x, await reader.matrix("layers/counts"), s.rows) : false;
      return counts(
        s.x,
        "lognorm",
        `X holds integer counts${same ? " (equal to layers['counts'])" : ""} in its first ${s.rows} rows; log1p(normalize_total(X, 1e4)) per block`,
        file,
      );
    }
    if (p.firstNonFinite < 0 && p.firstNegative < 0) {
      const median = medianExpm1RowSum(s.block);
      if (Math.abs(median - 1e4) / 1e4 < 0.01)
        return stored(s.x, `X is log-normalized (median row sum of expm1(X) = ${median.toFixed(1)} ≈ 1e4)`, file);
      if (!hasCounts) {
        return stored(
          s.x,
          `X is non-negative, non-integer; assumed log-normalized (median row sum of expm1(X) = ${median.toFixed(1)}, not 1e4; no layers['counts'] to check against)`,
          file,
        );
      }
    }
    if (!hasCounts) {
      throw new InputError(
        "X is neither raw counts nor log-normalized (it has negative or non-finite values), and layers['counts'] is missing",
        {
          file,
          key: "layers/counts",
          fix: "add the raw counts as layers['counts'], or set x_is: lognorm if X really is log1p(normalize_total)",
        },
      );
    }
  }
  return counts(
    await reader.matrix("layers/counts"),
    "lognorm",
    "X is not usable as is; log1p(normalize_total(layers['counts'], 1e4)) per block",
    file,
  );
}

/** X used as stored (log-normalized): each block checked to be finite and non-negative. */
function stored(matrix: MatrixReader, reason: string, file: string): RowSource {
  return {
    matrix,
    transform: "none",
    reason,
    async read(r0, r1) {
      const block = await matrix.readRows(r0, r1);
      checkBlock(block, "non-negative", { file, key: matrix.key, r0, what: "log-normalized expression" });
      return block;
    },
  };
}

/**
 * A counts matrix, each block checked as it is read, then log-normalized or not. Counts read as
 * they are (`none`) are a method's raw counts and must be whole numbers; counts that are only
 * log-normalized must be finite and non-negative.
 */
function counts(matrix: MatrixReader, transform: "lognorm" | "none", reason: string, file: string): RowSource {
  const rule: ValueRule = transform === "none" ? "counts" : "non-negative";
  return {
    matrix,
    transform,
    reason,
    async read(r0, r1) {
      const block = await matrix.readRows(r0, r1);
      const at = { file, key: matrix.key, r0, what: "raw counts" };
      if (transform === "none") {
        checkBlock(block, rule, at);
        return block;
      }
      const normalized = logNormalizeChecked(block);
      if (!normalized.valid) checkBlock(block, rule, at);
      return normalized.block;
    },
  };
}

async function sameStoredValues(a: MatrixReader, b: MatrixReader, rows: number): Promise<boolean> {
  const [x, y] = await Promise.all([a.readStored(0, rows), b.readStored(0, rows)]);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
