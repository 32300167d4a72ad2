/**
 * The fused attention kernel alone, in its compile-time variants (64 or 128 queries a block), on
 * one batch shaped like V2-104M's (96 cells, 12 heads of 64, lengths 1000–1536): time per launch
 * (CUDA events, median of 20 after 3 warm-ups), TFLOP/s over the unmasked work, and the relative
 * difference from the first variant.
 * Not a test: run on a GPU machine.   node dist/bench/attention-variants.js
 */
import { fromBf16, toBf16 } from "../src/gpu/bf16.ts";
import { openCudaDevice } from "../src/gpu/cuda-open.ts";
import { relativeError } from "../test/helpers/cosine.ts";

const { device } = await openCudaDevice();
const d = device.driver;
const B = 96,
  T = 1536,
  H = 768,
  heads = 12,
  D = 64;
let seed = 11;
const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
const lengths = Int32Array.from({ length: B }, () => 1000 + Math.floor(((rand() + 1) / 2) * 536));
const qkv = d.alloc(B * T * 3 * H * 2);
d.upload(qkv, toBf16(Float32Array.from({ length: B * T * 3 * H }, () => rand() * 2)));
const len = d.alloc(B * 4);
d.upload(len, lengths);
const out = d.alloc(B * T * H * 2);
const flops = Array.from(lengths).reduce((s, L) => s + 4 * L * L * H, 0);
const variants = [{ BQ: 64 }, { BQ: 128 }];
let reference: Float32Array | undefined;
console.log("| variant | ms / launch | TFLOP/s | rel. diff from the first |\n|---|---|---|---|");
for (const v of variants) {
  const fn = device.kernels.get("attention.cu", "attention", { HEAD_DIM: D, ...v });
  const launch = () =>
    d.launch("attention", fn, [Math.ceil(T / v.BQ), heads, B], [2 * v.BQ, 1, 1], 0, [
      { u64: qkv },
      { u64: len },
      { u64: out },
      { i32: T },
      { i32: H },
      { f32: Math.LOG2E / Math.sqrt(D) },
    ]);
  for (let i = 0; i < 3; i++) launch();
  const times = Array.from({ length: 20 }, () => d.time(launch)).sort((a, b) => a - b);
  const ms = times[10]!;
  const result = new Uint16Array(B * T * H);
  d.download(result, out);
  const values = fromBf16(result);
  reference ??= values;
  console.log(
    `| BQ=${v.BQ} | ${ms.toFixed(3)} | ${(flops / ms / 1e9).toFixed(0)} | ${relativeError(values, reference).toExponential(1)} |`,
  );
}
