/**
 * The check every block of expression passes as it is read, wherever it is read (the embedding
 * loop, a dataset scan, the tokenizer's worker threads): the first value the rule refuses is an
 * input error naming the file, key, row, column and value, with the fix.
 */
import { InputError } from "../errors.ts";
import type { CsrBlock } from "../numerics/csr.ts";
import { rowOfEntry } from "../numerics/lognorm.ts";
import { describeInvalid, firstInvalid, type ValueRule } from "../numerics/value-check.ts";

/** where a block was read, for its error: `what` is "raw counts" or "log-normalized expression" */
export interface BlockPlace {
  file: string;
  key: string;
  r0: number;
  what: string;
}

const FIX: Record<string, string> = {
  "log-normalized expression":
    "X must be finite and ≥ 0, as log1p(normalize_total(counts)) is: re-create it from the raw counts (sc.pp.normalize_total, sc.pp.log1p), or store the raw counts as layers['counts'] and X as they are",
  "raw counts":
    "counts must be finite and ≥ 0: fix the upstream preprocessing, or store the raw counts as layers['counts']",
  "raw counts, whole numbers":
    "the methods reading raw counts (geneformer, scvi_fm) need integer UMI counts: store them as layers['counts'], not normalized, scaled or corrected values",
};

/** Throws, naming the file, key, row, column and value, when a block holds a value the rule refuses. */
export function checkBlock(block: CsrBlock, rule: ValueRule, at: BlockPlace): void {
  const bad = firstInvalid(block.data, rule);
  if (bad < 0) return;
  const value = block.data[bad]!;
  const row = at.r0 + rowOfEntry(block.indptr, bad);
  const fractional = Number.isFinite(value) && value >= 0;
  throw new InputError(
    `${describeInvalid(value)} (${value}) in row ${row}, column ${block.indices[bad]} of the ${at.what}`,
    {
      file: at.file,
      key: at.key,
      fix: FIX[fractional ? "raw counts, whole numbers" : at.what]!,
    },
  );
}
