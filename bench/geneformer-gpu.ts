/**
 * Geneformer on the GPU, scembed's CUDA device side by side with Hugging Face transformers
 * (bench/geneformer_hf.py, run first on the same GPU and cells). Prints cells/s for both, the
 * ratio, the share of the bf16 peak each reaches (FLOPs counted from the real lengths, for what
 * each engine computes: HF all layers, scembed the layers up to emb_layer), per-cell cosine against HF fp32 outputs, and where scembed's GPU
 * time goes (per-op event timings over a profiled subset). Not a test: run on a GPU machine by
 * bench/geneformer-gpu.sh.
 *   node dist/bench/geneformer-gpu.js MODEL_DIR TOKENS_PREFIX POOLING HF_JSON REF_PREFIX [TOKEN_BUDGET]
 */
import { readFileSync } from "node:fs";
import { openCudaDevice } from "../src/gpu/cuda-open.ts";
import { paddedBatch, runOverlapped, tokenBatches } from "../src/methods/token-batches.ts";
import { loadBert } from "../src/models/bert.ts";
import { bertForwardAsync, type Pooling } from "../src/models/bert-forward.ts";
import { rowCosines } from "../test/helpers/cosine.ts";
import { readNpy } from "../test/helpers/npy.ts";

const [modelDir, prefix, pooling, hfJson, refPrefix, budgetArg] = process.argv.slice(2) as [
  string,
  string,
  Pooling,
  string,
  string,
  string?,
];
const PEAK = 790e12;
const { device } = await openCudaDevice();
const model = loadBert(modelDir, device);
const c = model.config,
  H = c.hidden_size,
  L = c.num_hidden_layers;
const ids = readNpy(`${prefix}.ids.npy`).data as Int32Array;
const offsets = Array.from(readNpy(`${prefix}.offsets.npy`).data as BigInt64Array, Number);
const N = offsets.length - 1;
const lengths = Array.from({ length: N }, (_, i) => offsets[i + 1]! - offsets[i]!);
const special = pooling === "cls";
const layer = L - 1;
const budget = Number(budgetArg ?? 131072);

/** one batch as the pipeline runs it (queued at the call, read once the GPU has finished it) */
async function runBatch(rows: number[]): Promise<Float32Array> {
  const { ids: batch, lengths: lens, T } = paddedBatch(rows, ids, offsets, c.pad_token_id ?? 0);
  // V2 pools <cls>; V1 (no special tokens) the mean of every position, as the reference's masked mean
  const from = Int32Array.from(rows, () => (special ? 1 : 0));
  const to = Int32Array.from(lens, (n) => (special ? n - 1 : n));
  const [pooled] = await bertForwardAsync(model, {
    ids: batch,
    lengths: lens,
    B: rows.length,
    T,
    layer,
    pools: [{ kind: pooling, from, to }],
  });
  return pooled!;
}

const batches = tokenBatches(lengths, budget);
for (const rows of batches.slice(0, 3)) await runBatch(rows); // warm-up: compile/load kernels, pick GEMM algorithms
const out = new Float32Array(N * H);
const t0 = performance.now();
// as geneformer.ts runs them: two batches under way, so the GPU goes from one to the next
await runOverlapped(batches, async (rows) => {
  const pooled = await runBatch(rows);
  rows.forEach((i, j) => out.set(pooled.subarray(j * H, (j + 1) * H), i * H));
});
const seconds = (performance.now() - t0) / 1000;

// where the time goes: every op timed with events over a spread subset of batches
device.profile = new Map();
const sampleBatches = batches.filter((_, k) => k % Math.max(1, Math.floor(batches.length / 8)) === 0);
for (const rows of sampleBatches) await runBatch(rows);
const profile = [...device.profile.entries()].sort((a, b) => b[1] - a[1]);
const profiled = profile.reduce((s, [, ms]) => s + ms, 0);
device.profile = undefined;

const F = c.intermediate_size;
const layerFlops = (n: number) => 8 * n * H * H + 4 * n * H * F + 4 * n * n * H;
/** FLOPs of `layers` full layers, or, for `<cls>` pooling in scembed, the last one as it runs: q|k|v for every token, the rest for one row */
const flops = (layers: number, clsLast = false) =>
  lengths.reduce(
    (s, n) =>
      s +
      (clsLast
        ? (layers - 1) * layerFlops(n) + 6 * n * H * H + 4 * n * H + 2 * H * H + 4 * H * F
        : layers * layerFlops(n)),
    0,
  );
const ourFlops = flops(layer, special);
const refIndex = Array.from(readNpy(`${refPrefix}.index.npy`).data as BigInt64Array, Number);
const ref = readNpy(`${refPrefix}.emb.npy`).data as Float32Array;
const mine = new Float32Array(refIndex.length * H);
refIndex.forEach((i, j) => mine.set(out.subarray(i * H, (i + 1) * H), j * H));
const cos = rowCosines(mine, ref, H);
const hf = JSON.parse(readFileSync(hfJson, "utf8")) as { batches: Record<string, { cells_per_s: number }> };
const [bestBatch, best] = Object.entries(hf.batches).sort((a, b) => b[1].cells_per_s - a[1].cells_per_s)[0]!;
const ours = N / seconds;
const pct = (f: number, s: number) => `${((100 * f) / s / PEAK).toFixed(0)} %`;
const mean = lengths.reduce((a, b) => a + b, 0) / N;

console.log(
  `\n## ${modelDir.split("/").pop()} — ${N} cells (mean ${mean.toFixed(0)} tokens, max ${Math.max(...lengths)}), emb_layer -1, ${pooling} pooling, ${device.name}`,
);
console.log(`| engine | batching | cells/s | TFLOP/s | share of ~790 TFLOP/s |`);
console.log(`|---|---|---|---|---|`);
console.log(
  `| HF transformers bf16 SDPA (${L} layers) | ${bestBatch} cells | ${best.cells_per_s.toFixed(0)} | ${(((flops(L) / N) * best.cells_per_s) / 1e12).toFixed(0)} | ${pct(flops(L), N / best.cells_per_s)} |`,
);
console.log(
  `| scembed CUDA bf16 (${layer} layers${special ? ", the last for <cls> only" : ""}) | ${budget} tokens | ${ours.toFixed(0)} | ${(ourFlops / seconds / 1e12).toFixed(0)} | ${pct(ourFlops, seconds)} |`,
);
console.log(
  `ratio scembed / HF: ${(ours / best.cells_per_s).toFixed(2)}×   (${batches.length} batches, ${seconds.toFixed(1)} s)`,
);
console.log(`cosine vs HF fp32 (${refIndex.length} cells): min ${cos.min.toFixed(5)}, mean ${cos.mean.toFixed(5)}`);
console.log(`GPU time by op (${sampleBatches.length} profiled batches, ${profiled.toFixed(0)} ms):`);
for (const [op, ms] of profile)
  console.log(
    `  ${op.padEnd(24)} ${ms.toFixed(1).padStart(9)} ms  ${((100 * ms) / profiled).toFixed(1).padStart(5)} %`,
  );
console.log("GEMM tuning (once per class, in the warm-up; same bits as cuBLASLt's first choice):");
for (const t of device.tunings) {
  if (t.failed) {
    console.log(`  ${t.gemm.padEnd(24)} failed: ${t.failed}`);
    continue;
  }
  const [first, kept] = [t.candidates[0]!, t.candidates[t.chosen]!];
  const same = t.candidates.filter((x) => x.identical).length;
  console.log(
    `  ${t.gemm.padEnd(24)} ${first.ms.toFixed(3)} → ${kept.ms.toFixed(3)} ms (#${t.chosen} of ${t.candidates.length}, ${same} with the same bits)`,
  );
}
