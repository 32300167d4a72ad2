/**
 * Launching the mma.sync attention kernel (kernels/attention.cu), the one for every GPU but
 * Hopper's heads of 64 (attention-sm90.ts): one block per 64 queries (or 128: 4 or 8 warps;
 * SCEMBED_ATTENTION_BQ=128 for experiments) of one head of one cell.
 */
import type { AttentionArgs } from "./attention-args.ts";
import type { CudaDriver } from "./driver.ts";
import type { KernelSet } from "./kernels.ts";

const BQ = process.env["SCEMBED_ATTENTION_BQ"] === "128" ? 128 : 64;

/** softmax(Q·Kᵀ/√D + mask)·V for `queries` rows of each cell, heads of H / heads */
export function launchMmaAttention(driver: CudaDriver, kernels: KernelSet, args: AttentionArgs): void {
  const { qkv, lengths, out, B, T, H, heads, queries } = args;
  const D = H / heads;
  const fn = kernels.get("attention.cu", "attention", { HEAD_DIM: D, BQ });
  driver.launch("attention", fn, [Math.ceil(Math.min(T, queries) / BQ), heads, B], [2 * BQ, 1, 1], 0, [
    { u64: qkv },
    { u64: lengths },
    { u64: out },
    { i32: T },
    { i32: H },
    { f32: Math.LOG2E / Math.sqrt(D) },
  ]);
}
