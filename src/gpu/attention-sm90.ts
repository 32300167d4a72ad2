/**
 * Launching the Hopper attention kernel (kernels/attention-sm90.cu: wgmma + TMA, warp-specialized)
 * for heads of 64 on compute capability 9.0; every other GPU and head width uses attention.cu.
 * The kernel reads Q, K and V through one TMA tensor map over the B×T×3H qkv tensor (64-row boxes
 * of one head, 128-byte swizzle), made here for each launch since the tensor's address changes.
 */
import type { AttentionArgs } from "./attention-args.ts";
import type { CudaDriver } from "./driver.ts";
import type { KernelSet } from "./kernels.ts";
import { tensorMap } from "./tensor-map.ts";

/** compile-time shape of the kernel: keys a tile, shared-memory stages, blocks an SM (a launch
 * bound), PIPE 1: the next tile's scores issued with this tile's P·V, its softmax under that P·V, LAZY 1: a row's running
 * max moves only by more than 8 (most tiles skip rescaling O), PRODUCER 0: no producer warp (thread
 * 0 loads), so two blocks an SM get 128 registers a thread instead of 96 */
export interface Sm90Variant {
  BK: 64 | 128;
  STAGES: number;
  MINB: number;
  PIPE: 0 | 1;
  LAZY: 0 | 1;
  PRODUCER: 0 | 1;
}
/** the fastest on an H200 (bench/attention-variants.ts, 2026-12-02): 64-key tiles, 2 stages, two
 * blocks an SM, the lazy max: 372–400 TFLOP/s on V2-like batches in six runs (3 stages 373–393,
 * ahead in two of them; without the lazy max: 375–390; 128-key tiles, one block an SM: 292–309; no
 * producer warp: 287; that and FlashAttention-3's intra-warpgroup overlap, unserialized: 265–288;
 * the two warpgroups taking turns (ping-pong): 244–282; mma.sync: 229) */
export const SM90_DEFAULT: Sm90Variant = { BK: 64, STAGES: 2, MINB: 2, PIPE: 0, LAZY: 1, PRODUCER: 1 };
const v = (BK: 64 | 128, STAGES: number, MINB: number, PIPE: 0 | 1, LAZY: 0 | 1, PRODUCER: 0 | 1 = 1): Sm90Variant => ({
  BK,
  STAGES,
  MINB,
  PIPE,
  LAZY,
  PRODUCER,
});
/** the variants the CUDA tests check against the CPU reference: the default and those worth measuring */
export const SM90_VARIANTS: Sm90Variant[] = [
  SM90_DEFAULT,
  v(64, 3, 2, 0, 1),
  v(64, 3, 2, 0, 0),
  v(64, 3, 2, 0, 1, 0),
  v(64, 4, 2, 1, 1, 0),
  v(128, 2, 1, 0, 1),
];

/** SCEMBED_ATTENTION_SM90="BK,STAGES,MINB,PIPE,LAZY,PRODUCER" picks another of SM90_VARIANTS (for benchmarks) */
export function sm90Variant(env = process.env): Sm90Variant {
  const named = env["SCEMBED_ATTENTION_SM90"];
  if (!named) return SM90_DEFAULT;
  const v = SM90_VARIANTS.find((x) => variantName(x) === named);
  if (!v) throw new Error(`SCEMBED_ATTENTION_SM90=${named} is none of ${SM90_VARIANTS.map(variantName).join(" | ")}`);
  return v;
}

/** a variant's fields in the order of its name: the kernel's compile-time defines */
const FIELDS = ["BK", "STAGES", "MINB", "PIPE", "LAZY", "PRODUCER"] as const;
/** the kernel's defines for a variant (only these: an object carrying more, a benchmark's, compiles the same) */
export const sm90Defines = (v: Sm90Variant): Record<string, number> => Object.fromEntries(FIELDS.map((k) => [k, v[k]]));
export const variantName = (v: Sm90Variant) => FIELDS.map((k) => v[k]).join(",");
const HEAD_DIM = 64;
const BQ = 128;
/** two consumer warpgroups and, unless PRODUCER is 0, a producer warp */
const threads = (v: Sm90Variant) => (v.PRODUCER ? 288 : 256);
/** the compiled variants whose dynamic shared-memory limit is raised already (once each, not per launch) */
const raised = new Set<unknown>();

/** whether the Hopper kernel serves this device and head width (SCEMBED_ATTENTION=mma turns it off) */
export function useSm90Attention(driver: CudaDriver, headDim: number, env = process.env): boolean {
  const [major, minor] = driver.info.computeCapability;
  return major === 9 && minor === 0 && headDim === HEAD_DIM && env["SCEMBED_ATTENTION"] !== "mma";
}

function sharedBytes(v: Sm90Variant): number {
  const box = 64 * 128;
  return 1024 + 2 * box + 2 * v.STAGES * v.BK * 128 + 8 * (1 + 2 * v.STAGES);
}

/** softmax(Q·Kᵀ/√64 + mask)·V for `queries` rows of each cell (all of them by default) */
export function launchSm90Attention(
  driver: CudaDriver,
  kernels: KernelSet,
  args: AttentionArgs,
  variant: Sm90Variant = sm90Variant(),
): void {
  const { qkv, lengths, out, B, T, H, heads, queries } = args;
  const fn = kernels.get("attention-sm90.cu", "attention_sm90", sm90Defines(variant), "sm_90a");
  const smem = sharedBytes(variant);
  if (!raised.has(fn)) {
    driver.allowSharedMemory(fn, smem);
    raised.add(fn);
  }
  const map = tensorMap(driver.lib, {
    address: qkv,
    dims: [3 * H, T, B],
    strides: [3 * H * 2, T * 3 * H * 2],
    box: [HEAD_DIM, 64, 1],
  });
  driver.launch(
    "attention_sm90",
    fn,
    [Math.ceil(Math.min(T, queries) / BQ), heads, B],
    [threads(variant), 1, 1],
    smem,
    [{ bytes: map }, { u64: lengths }, { u64: out }, { i32: T }, { i32: H }, { f32: Math.LOG2E / Math.sqrt(HEAD_DIM) }],
  );
}
