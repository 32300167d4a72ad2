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
  const token: number[] = [],
    median: number[] = [];
  const slotOf = new Int32Array(ensemblIds.length).fill(-1);
  let matched = 0;
  ensemblIds.forEach((raw, c) => {
    if (!raw) return;
    let id = raw.toUpperCase();
    if (dict.mapping) id = dict.mapping.get(id) ?? "";
    const t = dict.tokens.get(id),
      m = dict.medians.get(id);
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

const INDEX_BITS = 13;
const INDEX_MASK = (1 << INDEX_BITS) - 1;

/**
 * Tokenizes a block of raw-count rows; `nCounts[r]` is the library size of row r.
 * Ranking uses the native Float64Array sort: each positive score's low 13 mantissa bits are
 * replaced by (8191 − its position in the row), so equal scores keep var order and the sort needs
 * no comparator. Scores closer than 2⁻³⁹ (relative) are treated as ties; rows with more than
 * 8192 expressed genes fall back to a comparator sort.
 */
export function tokenizeBlock(
  block: CsrBlock,
  nCounts: ArrayLike<number>,
  slots: GeneSlots,
  rules: TokenizerRules,
  dict: GeneformerDictionaries,
): TokenBlock {
  const maxGenes = rules.specialTokens ? rules.inputSize - 2 : rules.inputSize;
  const perRow = maxGenes + (rules.specialTokens ? 2 : 0);
  let out = new Int32Array(Math.max(16, Math.min(block.rows * perRow, block.data.length + 2 * block.rows)));
  let used = 0;
  const offsets = new Int32Array(block.rows + 1);
  const uncropped = new Int32Array(block.rows);
  const sums = new Float64Array(slots.token.length);
  let touched = new Int32Array(1024);
  let keys = new Float64Array(1024);
  let words = new Uint32Array(keys.buffer);
  const push = (t: number) => {
    if (used === out.length) {
      const bigger = new Int32Array(out.length * 2);
      bigger.set(out);
      out = bigger;
    }
    out[used++] = t;
  };
  for (let r = 0; r < block.rows; r++) {
    let k = 0;
    for (let e = block.indptr[r]!; e < block.indptr[r + 1]!; e++) {
      const s = slots.slotOf[block.indices[e]!]!;
      const v = block.data[e]!;
      if (s < 0 || v === 0) continue;
      if (sums[s] === 0) {
        if (k === touched.length) {
          const t = new Int32Array(k * 2);
          t.set(touched);
          touched = t;
          keys = new Float64Array(k * 2);
          words = new Uint32Array(keys.buffer);
        }
        touched[k++] = s;
      }
      sums[s]! += v;
    }
    uncropped[r] = k;
    if (k > 0) {
      const n = nCounts[r]!;
      const take = Math.min(maxGenes, k);
      if (rules.specialTokens) push(dict.cls!);
      if (k <= INDEX_MASK + 1) {
        const view = keys.subarray(0, k);
        for (let i = 0; i < k; i++) {
          const s = touched[i]!;
          view[i] = (Math.fround(sums[s]! / n) * 10000) / slots.median[s]!;
          words[2 * i] = (words[2 * i]! & ~INDEX_MASK) | (INDEX_MASK - i);
        }
        view.sort();
        for (let i = 0; i < take; i++)
          push(slots.token[touched[INDEX_MASK - (words[2 * (k - 1 - i)]! & INDEX_MASK)]!]!);
      } else {
        const score = Float64Array.from(
          touched.subarray(0, k),
          (s) => (Math.fround(sums[s]! / n) * 10000) / slots.median[s]!,
        );
        const order = Array.from({ length: k }, (_, i) => i).sort(
          (a, b) => score[b]! - score[a]! || touched[a]! - touched[b]!,
        );
        for (let i = 0; i < take; i++) push(slots.token[touched[order[i]!]!]!);
      }
      if (rules.specialTokens) push(dict.eos!);
    }
    offsets[r + 1] = used;
    for (let i = 0; i < k; i++) sums[touched[i]!] = 0;
  }
  return { tokens: out.slice(0, used), offsets, uncropped };
}
