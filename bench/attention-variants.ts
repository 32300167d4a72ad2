/**
 * The fused attention kernels alone, in their compile-time variants: attention.cu (mma.sync, 64 or
 * 128 queries a block) and, on Hopper, attention-sm90.cu (wgmma + TMA: keys a tile, stages, blocks
 * an SM), on batches shaped like V2-104M's (96 cells, 12 heads of 64, lengths 1000–1536) and
 * V1-10M's (128 cells, 4 heads of 64, lengths 1000–2048): time per launch (CUDA events, median of 20
 * after 3 warm-ups), TFLOP/s over the unmasked work, and the relative difference from the first
 * variant, and the registers and local (spilled) bytes a thread of each compiled kernel. A variant
 * that fails to compile or launch prints its error and the rest go on. Ends with the fastest
 * correct Hopper variant on the V2-like shape (BK,STAGES,MINB,PIPE,LAZY,PRODUCER).
 * Not a test: run on a GPU machine.   node dist/bench/attention-variants.js
 */
import {
  launchSm90Attention,
  SM90_VARIANTS,
  sm90Defines,
  type Sm90Variant,
  useSm90Attention,
  variantName,
} from "../src/gpu/attention-sm90.ts";
import { fromBf16, toBf16 } from "../src/gpu/bf16.ts";
import { openCudaDevice } from "../src/gpu/cuda-open.ts";
import { relativeError } from "../test/helpers/cosine.ts";

const { device } = await openCudaDevice();
const d = device.driver;
let seed = 11;
const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
const D = 64;

type Variant = { kind: "mma"; BQ: 64 | 128 } | ({ kind: "sm90" } & Sm90Variant);
const variants: Variant[] = [
  { kind: "mma", BQ: 64 },
  { kind: "mma", BQ: 128 },
  ...(useSm90Attention(d, D, {}) ? SM90_VARIANTS.map((v): Variant => ({ kind: "sm90", ...v })) : []),
];
/** milliseconds of each Hopper variant on the first (V2-like) shape */
const sm90Times = new Map<string, number>();
const label = (v: Variant) =>
  v.kind === "mma"
    ? `mma.sync BQ=${v.BQ}`
    : `wgmma+TMA BK=${v.BK} stages=${v.STAGES} minBlocks=${v.MINB}${v.PIPE ? " pipelined" : ""}${v.LAZY ? " lazy-max" : ""}${v.PRODUCER ? "" : " no producer warp"}`;

const SHAPES = [
  { name: "V2-104M-like", B: 96, heads: 12, minL: 1000, maxL: 1536 },
  { name: "V1-10M-like", B: 128, heads: 4, minL: 1000, maxL: 2048 },
];
for (const shape of SHAPES) {
  const { B, heads, minL, maxL } = shape;
  const T = maxL,
    H = heads * D;
  const lengths = Int32Array.from({ length: B }, () => minL + Math.floor(((rand() + 1) / 2) * (maxL - minL)));
  const qkv = d.alloc(B * T * 3 * H * 2);
  d.upload(qkv, toBf16(Float32Array.from({ length: B * T * 3 * H }, () => rand() * 2)));
  const len = d.alloc(B * 4);
  d.upload(len, lengths);
  const out = d.alloc(B * T * H * 2);
  const flops = Array.from(lengths).reduce((s, L) => s + 4 * L * L * H, 0);
  let reference: Float32Array | undefined;
  console.log(`\n${shape.name}: ${B} cells, ${heads} heads of ${D}, lengths ${minL}–${maxL}`);
  console.log(
    "| variant | ms / launch | TFLOP/s | rel. diff from the first | registers, spills |\n|---|---|---|---|---|",
  );
  for (const v of variants) {
    try {
      const fn =
        v.kind === "mma"
          ? device.kernels.get("attention.cu", "attention", { HEAD_DIM: D, BQ: v.BQ })
          : device.kernels.get("attention-sm90.cu", "attention_sm90", sm90Defines(v), "sm_90a");
      const { registers, localBytes } = d.kernelResources(fn);
      const launch =
        v.kind === "mma"
          ? () =>
              d.launch("attention", fn, [Math.ceil(T / v.BQ), heads, B], [2 * v.BQ, 1, 1], 0, [
                { u64: qkv },
                { u64: len },
                { u64: out },
                { i32: T },
                { i32: H },
                { f32: Math.LOG2E / Math.sqrt(D) },
              ])
          : () => launchSm90Attention(d, device.kernels, { qkv, lengths: len, out, B, T, H, heads, queries: T }, v);
      d.upload(out, new Uint16Array(B * T * H).fill(0x7fc0)); // NaN: an unwritten element shows
      for (let i = 0; i < 3; i++) launch();
      const times = Array.from({ length: 20 }, () => d.time(launch)).sort((a, b) => a - b);
      const ms = times[10]!;
      const result = new Uint16Array(B * T * H);
      d.download(result, out);
      const values = fromBf16(result);
      reference ??= values;
      const nonFinite = values.reduce((n, x) => n + (Number.isFinite(x) ? 0 : 1), 0);
      const err = relativeError(values, reference);
      if (v.kind === "sm90" && shape === SHAPES[0] && nonFinite === 0 && err < 1e-2) sm90Times.set(variantName(v), ms);
      console.log(
        `| ${label(v)} | ${ms.toFixed(3)} | ${(flops / ms / 1e9).toFixed(0)} | ${err.toExponential(1)}${nonFinite ? ` (${nonFinite} non-finite)` : ""} | ${registers}, ${localBytes} B |`,
      );
    } catch (e) {
      console.log(`| ${label(v)} | failed: ${(e as Error).message.replace(/\s+/g, " ").slice(0, 600)} | | | |`);
    }
  }
  [qkv, len, out].forEach((p) => d.free(p));
}
// the fastest correct Hopper variant on the V2-like shape, for SCEMBED_ATTENTION_SM90 (bench/device/run.sh)
const fastest = [...sm90Times].sort((a, b) => a[1] - b[1])[0];
if (fastest) console.log(`\nfastest sm90 variant: ${fastest[0]}`);
