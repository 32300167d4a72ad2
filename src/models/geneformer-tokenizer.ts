/**
 * Geneformer's rank-value tokenizer, vectorized per CSR block of raw counts:
 * score = fround(count / n_counts) · 10000 / median (the upstream expression under NumPy 1.24 /
 * SciPy 1.10), non-zero in-vocabulary genes ranked by descending score, truncated; V2 adds
 * `<cls>` … `<eos>`. Ties (equal scores) keep var order — a stable sort, where the reference's
 * unstable numpy argsort may order them differently from machine to machine.
 */
import type { CsrBlock } from "../numerics/csr.ts";
import type { GeneformerDictionaries } from "./geneformer-dictionaries.ts";

export interface TokenizerRules {
  /** model input size: 2048 (V1) or 4096 (V2) */
  inputSize: number;
  specialTokens: boolean;
}

/** How a file's var columns feed the tokenizer: a target gene slot per column (or -1), slots' tokens and medians. */
export interface GeneSlots {
  slotOf: Int32Array;
  token: Int32Array;
  median: Float64Array;
  /** var columns whose ids were found */
  matched: number;
}

export function geneSlots(ensemblIds: readonly string[], dict: GeneformerDictionaries): GeneSlots {
  const slotIndex = new Map<string, number>();
  const token: number[] = [], median: number[] = [];
  const slotOf = new Int32Array(ensemblIds.length).fill(-1);
  let matched = 0;
  ensemblIds.forEach((raw, c) => {
    if (!raw) return;
    let id = raw.toUpperCase();
    if (dict.mapping) id = dict.mapping.get(id) ?? "";
    const t = dict.tokens.get(id), m = dict.medians.get(id);
    if (t === undefined || m === undefined || id.startsWith("<")) return;
    let slot = slotIndex.get(id);
    if (slot === undefined) {
      slot = token.length;
      slotIndex.set(id, slot);
      token.push(t);
      median.push(m);
    }
    slotOf[c] = slot; // duplicate ids collapse into one slot: their counts are summed
    matched++;
  });
  return { slotOf, token: Int32Array.from(token), median: Float64Array.from(median), matched };
}

export interface TokenBlock {
  /** tokens of each row, concatenated */
  tokens: Int32Array;
  /** rows + 1 offsets into tokens */
  offsets: Int32Array;
  /** in-vocabulary non-zero genes per row before truncation */
  uncropped: Int32Array;
}

/** Tokenizes a block of raw-count rows; `nCounts[r]` is the library size of row r. */
export function tokenizeBlock(block: CsrBlock, nCounts: ArrayLike<number>, slots: GeneSlots, rules: TokenizerRules, dict: GeneformerDictionaries): TokenBlock {
  const maxGenes = rules.specialTokens ? rules.inputSize - 2 : rules.inputSize;
  const out: number[] = [];
  const offsets = new Int32Array(block.rows + 1);
  const uncropped = new Int32Array(block.rows);
  const sums = new Float64Array(slots.token.length);
  const touched: number[] = [];
  for (let r = 0; r < block.rows; r++) {
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) {
      const s = slots.slotOf[block.indices[k]!]!;
      if (s < 0 || block.data[k] === 0) continue;
      if (sums[s] === 0) touched.push(s);
      sums[s]! += block.data[k]!;
    }
    const n = nCounts[r]!;
    const scored = touched.map((s) => ({ s, score: (Math.fround(sums[s]! / n) * 10000) / slots.median[s]! }));
    scored.sort((a, b) => b.score - a.score || a.s - b.s);
    uncropped[r] = scored.length;
    if (scored.length > 0) {
      if (rules.specialTokens) out.push(dict.cls!);
      for (let i = 0; i < Math.min(maxGenes, scored.length); i++) out.push(slots.token[scored[i]!.s]!);
      if (rules.specialTokens) out.push(dict.eos!);
    }
    offsets[r + 1] = out.length;
    for (const s of touched) sums[s] = 0;
    touched.length = 0;
  }
  return { tokens: Int32Array.from(out), offsets, uncropped };
}
