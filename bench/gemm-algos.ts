/**
 * cuBLASLt's candidate algorithms for each GEMM of Geneformer V2-104M (768 wide) and V1-10M (256
 * wide), 131,072 rows (one token batch), as the CUDA device's tuning sees them (gemm-tuning.ts):
 * milliseconds a call (best of 3), TFLOP/s, GB/s of the tensors it must move, whether it writes
 * the first choice's bits, and which one tuning chose. Then LayerNorm with and without the
 * residual, for the residual-in-epilogue trade (cuda-device.ts residualInLinear).
 * Not a test: run on a GPU machine.   node dist/bench/gemm-algos.js
 */
import { openCudaDevice } from "../src/gpu/cuda-open.ts";
import type { DTensor } from "../src/models/device.ts";

const { device } = await openCudaDevice();
const N = 131072;
let seed = 5;
const rand = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1;
const tensor = (shape: number[], scale: number) =>
  device.upload(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand() * scale),
    shape,
  );

interface Gemm {
  inF: number;
  outF: number;
  relu?: boolean;
  residual?: boolean;
}
const MODELS: { name: string; gemms: Gemm[] }[] = [
  {
    name: "V2-104M (768 wide)",
    gemms: [
      { inF: 768, outF: 2304 },
      { inF: 768, outF: 768, residual: true },
      { inF: 768, outF: 3072, relu: true },
      { inF: 3072, outF: 768, residual: true },
    ],
  },
  {
    name: "V1-10M (256 wide)",
    gemms: [
      { inF: 256, outF: 768 },
      { inF: 256, outF: 256 },
      { inF: 256, outF: 256, residual: true },
      { inF: 256, outF: 512, relu: true },
      { inF: 512, outF: 256 },
      { inF: 512, outF: 256, residual: true },
    ],
  },
];

for (const model of MODELS) {
  console.log(`\n## ${model.name}, ${N} rows`);
  for (const g of model.gemms) {
    const x = tensor([N, g.inF], 1);
    const W = tensor([g.outF, g.inF], 1 / Math.sqrt(g.inF));
    const b = tensor([g.outF], 0.1);
    const r = g.residual ? tensor([N, g.outF], 1) : undefined;
    const y = device.alloc([N, g.outF]);
    const before = device.tunings.length;
    device.linear(x, W, b, y, g.relu ? "relu" : undefined, r);
    if (device.tunings.length === before) throw new Error("no GEMM was tuned: unset SCEMBED_GEMM_TUNING");
    const t = device.tunings.at(-1)!;
    if (t.failed) throw new Error(`tuning ${t.gemm} failed: ${t.failed}`);
    const flops = 2 * N * g.inF * g.outF;
    const bytes = 2 * (N * g.inF + g.outF * g.inF + N * g.outF * (g.residual ? 2 : 1));
    console.log(`\n${t.gemm}: ${t.candidates.length} candidates`);
    console.log("| # | algorithm | ms | TFLOP/s | GB/s | same bits | |\n|---|---|---|---|---|---|---|");
    t.candidates.forEach((c, i) =>
      console.log(
        `| ${i} | ${c.name} | ${c.ms.toFixed(3)} | ${(flops / c.ms / 1e9).toFixed(0)} | ${(bytes / c.ms / 1e6).toFixed(0)} | ${c.identical ? "yes" : "no"} | ${i === t.chosen ? "chosen" : ""} |`,
      ),
    );
    [x, W, b, y, ...(r ? [r] : [])].forEach((v) => device.free(v));
  }
  const H = model.gemms[0]!.inF;
  const x = tensor([N, H], 1),
    r = tensor([N, H], 1),
    g = tensor([H], 1),
    beta = tensor([H], 0.1),
    out = device.alloc([N, H]);
  const time = (residual: DTensor | undefined) => {
    const run = () => device.layerNorm(x, residual, g, beta, 1e-12, out);
    run();
    return Math.min(...Array.from({ length: 5 }, () => device.driver.time(run)));
  };
  for (const residual of [undefined, r]) {
    const ms = time(residual);
    const bytes = 2 * N * H * (residual ? 3 : 2);
    console.log(
      `${residual ? "add+layerNorm" : "layerNorm"} ${H}: ${ms.toFixed(3)} ms, ${(bytes / ms / 1e6).toFixed(0)} GB/s`,
    );
  }
  [x, r, g, beta, out].forEach((v) => device.free(v));
}
