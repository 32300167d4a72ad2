/**
 * Multi-head self-attention on the CPU as blocked GEMMs, per (sequence, head, block of queries):
 * S = Q_block · Kᵀ / √D over the sequence's own keys (the mask is its length: padded keys are
 * never read), a numerically stable softmax of each row in place (WebAssembly SIMD, softmax-wasm.ts;
 * the TypeScript loop below without it), then out_block = P · V. The scratch is one block × T
 * score matrix (BLOCK = 128 rows: 2 MiB at T = 4096), never T × T.
 */
import type { Gemm } from "./cpu-gemm.ts";
import { wasmSoftmax } from "./softmax-wasm.ts";

/** query rows per block (SCEMBED_ATTENTION_BLOCK overrides, for experiments) */
export const ATTENTION_BLOCK = Number(process.env["SCEMBED_ATTENTION_BLOCK"] ?? 128) || 128;

export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  heads: number;
}

/**
 * qkv (B×T×3H: query | key | value), out (B×T×H). Rows of out at or past a sequence's length
 * are zero; with `queries`, only rows below it are computed (the others are zero too).
 */
export function attentionForward(
  gemm: Gemm,
  qkv: Float32Array,
  lengths: Int32Array,
  s: AttentionShape,
  out: Float32Array,
  queries: number,
  scratch: (n: number) => Float32Array,
): void {
  const { B, T, H, heads } = s;
  const D = H / heads,
    ld = 3 * H,
    scale = 1 / Math.sqrt(D);
  const simd = wasmSoftmax();
  out.fill(0, 0, B * T * H);
  for (let b = 0; b < B; b++) {
    const len = lengths[b]!,
      rows = Math.min(len, queries);
    if (rows <= 0) continue;
    const block = Math.min(ATTENTION_BLOCK, rows);
    // the SIMD softmax takes rows of a multiple of 4: padding columns of -1e30 weigh 0
    const w = simd ? (len + 3) & ~3 : len;
    const S = simd ? simd.scratch(block * w) : scratch(block * len);
    const softmax = (m: number) => {
      if (!simd) return softmaxRows(S, m, len);
      if (w > len) for (let r = 0; r < m; r++) S.fill(-1e30, r * w + len, (r + 1) * w);
      simd.rows(m, w);
    };
    const base = b * T * ld;
    for (let h = 0; h < heads; h++) {
      const K = qkv.subarray(base + H + h * D),
        V = qkv.subarray(base + 2 * H + h * D);
      for (let i0 = 0; i0 < rows; i0 += block) {
        const m = Math.min(block, rows - i0);
        const Q = qkv.subarray(base + i0 * ld + h * D);
        gemm(true, m, len, D, scale, Q, ld, K, ld, 0, S, w);
        softmax(m);
        gemm(false, m, D, len, 1, S, w, V, ld, 0, out.subarray((b * T + i0) * H + h * D), H);
      }
    }
  }
}

/** each of the m rows of S (n wide) replaced by its softmax: max subtracted, sums in float64 */
export function softmaxRows(S: Float32Array, m: number, n: number): void {
  for (let r = 0; r < m; r++) {
    const o = r * n,
      end = o + n;
    let max = -Infinity;
    for (let j = o; j < end; j++) if (S[j]! > max) max = S[j]!;
    let sum = 0;
    for (let j = o; j < end; j++) {
      const e = Math.exp(S[j]! - max);
      S[j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = o; j < end; j++) S[j]! *= inv;
  }
}
