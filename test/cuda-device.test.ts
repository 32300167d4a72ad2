/**
 * The CUDA device against its oracles: every op against the CPU device on seeded random inputs
 * (bf16 rounding: relative error under 1e-2, outputs poisoned with NaN first so an unwritten
 * element fails), the tiny Geneformer models against HF transformers' fp32 outputs (per-cell
 * cosine ≥ 0.999), and `scembed run` of an embedding_gpu section on a 2-chunk dataset.
 * Skipped, saying why, where no CUDA device opens (the CI machine has no GPU).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { fromBf16, toBf16 } from "../src/gpu/bf16.ts";
import type { CudaDevice } from "../src/gpu/cuda-device.ts";
import { openCudaDevice } from "../src/gpu/cuda-open.ts";
import { SM90_VARIANTS, useSm90Attention, variantName } from "../src/gpu/attention-sm90.ts";
import { fingerprint } from "../src/gpu/fingerprint.ts";
import { TUNING_MIN_ROWS } from "../src/gpu/gemm-tuning.ts";
import { visibleGpus } from "../src/gpu/visible-gpus.ts";
import { loadBert } from "../src/models/bert.ts";
import { bertForward } from "../src/models/bert-forward.ts";
import { cpuDevice } from "../src/models/cpu-device.ts";
import type { Device, DTensor } from "../src/models/device.ts";
import { loadDictionaries, SHIPPED } from "../src/models/geneformer-dictionaries.ts";
import { runCli } from "./helpers/cli.ts";
import { relativeError, rowCosines } from "./helpers/cosine.ts";
import { readNpy } from "./helpers/npy.ts";
import { FIXTURES, tempDir } from "./helpers/paths.ts";
import { writeSyntheticZarr } from "./helpers/synthetic.ts";

const opened = await openCudaDevice().then(
  (r) => r.device,
  (e: Error) => e,
);
const skip = opened instanceof Error ? `no CUDA device here: ${opened.message.split("\n")[0]}` : false;
const gpu = opened as CudaDevice;
const cpu = cpuDevice();
const GF = join(FIXTURES, "geneformer");

/** the op tests' inputs come from this seed (Park–Miller), named in every failure so a run can be repeated */
const SEED = 12345;
let state = SEED;
const rand = () => ((state = (state * 48271) % 2147483647) / 2147483647) * 2 - 1;
/** random values already rounded to bf16, so both devices start from the same numbers */
const randomBf16 = (n: number, scale = 1) => fromBf16(toBf16(Float32Array.from({ length: n }, () => rand() * scale)));
const poisoned = (dev: Device, shape: number[]) =>
  dev.upload(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(NaN), shape);

function both(shape: number[], scale = 1): [DTensor, DTensor, Float32Array] {
  const data = randomBf16(
    shape.reduce((a, b) => a * b, 1),
    scale,
  );
  return [gpu.upload(data, shape), cpu.upload(Float32Array.from(data), shape), data];
}

function compare(label: string, got: Float32Array, want: Float32Array, tol = 1e-2): void {
  assert.ok(
    got.every((v) => Number.isFinite(v)),
    `${label}: an element was not written (NaN; seed ${SEED})`,
  );
  const err = relativeError(got, want);
  assert.ok(err < tol, `${label}: relative error ${err.toExponential(2)} ≥ ${tol} (seed ${SEED})`);
}

test("uploads are rounded to bf16 on the GPU exactly as on the host: ties to even, subnormals, NaN and infinities", {
  skip,
}, () => {
  const edge = Float32Array.of(
    1 + 2 ** -8,
    1 + 3 * 2 ** -8,
    -2.5e-39,
    1e-45,
    NaN,
    Infinity,
    -Infinity,
    3.4e38,
    -0,
    65504.7,
  );
  const values = new Float32Array(300_001);
  values.set(edge);
  for (let i = edge.length; i < values.length; i++) values[i] = (rand() * 2) ** 5 * 1e3;
  const got = gpu.download(gpu.upload(values, [values.length]));
  const want = fromBf16(toBf16(values));
  const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);
  const [g, w] = [bits(got), bits(want)];
  for (let i = 0; i < values.length; i++)
    if (g[i] !== w[i] && !(Number.isNaN(got[i]) && Number.isNaN(want[i])))
      assert.fail(`value ${i} (${values[i]}): GPU ${got[i]}, host ${want[i]}`);
});

test("CUDA ops equal the CPU device's within bf16 rounding", { skip }, () => {
  // linear with each epilogue, shapes that fit no tile evenly
  const [xg, xc] = both([3, 100, 96]);
  const [wg, wc] = both([160, 96], 0.2);
  const [bg, bc] = both([160]);
  for (const act of [undefined, "relu", "gelu"] as const) {
    const og = poisoned(gpu, [3, 100, 160]),
      oc = cpu.alloc([3, 100, 160]);
    gpu.linear(xg, wg, bg, og, act);
    cpu.linear(xc, wc, bc, oc, act);
    compare(`linear ${act ?? "plain"}`, gpu.download(og), cpu.download(oc));
  }
  // the residual summed in the GEMM's epilogue (β = 1)
  const [rg0, rc0] = both([3, 100, 160], 3);
  const og = poisoned(gpu, [3, 100, 160]),
    oc = cpu.alloc([3, 100, 160]);
  gpu.linear(xg, wg, bg, og, undefined, rg0);
  cpu.linear(xc, wc, bc, oc, undefined, rc0);
  compare("linear + residual", gpu.download(og), cpu.download(oc));
  // LayerNorm with and without the residual, at the widths of V2 (768), V1 (256) and one that is neither
  for (const width of [768, 256, 200]) {
    const [ag, ac] = both([37, width], 3);
    const [rg, rc] = both([37, width]);
    const [gg, gc] = both([width]);
    const [beg, bec] = both([width]);
    for (const withResidual of [false, true]) {
      const og = poisoned(gpu, [37, width]),
        oc = cpu.alloc([37, width]);
      gpu.layerNorm(ag, withResidual ? rg : undefined, gg, beg, 1e-12, og);
      cpu.layerNorm(ac, withResidual ? rc : undefined, gc, bec, 1e-12, oc);
      compare(`layerNorm${withResidual ? " + residual" : ""}, width ${width}`, gpu.download(og), cpu.download(oc));
    }
  }
  // embeddings: 16-byte lanes; a width that is no multiple of 8 is refused, not run
  for (const width of [64, 256]) {
    const [wordG, wordC] = both([50, width]),
      [posG, posC] = both([70, width]),
      [tyG, tyC] = both([width]);
    const ids = Int32Array.from({ length: 3 * 70 }, () => Math.floor((rand() + 1) * 24.99));
    const eg = poisoned(gpu, [3, 70, width]),
      ec = cpu.alloc([3, 70, width]);
    gpu.embed(ids, 3, 70, wordG, posG, tyG, eg);
    cpu.embed(ids, 3, 70, wordC, posC, tyC, ec);
    compare(`embed, width ${width}`, gpu.download(eg), cpu.download(ec));
  }
  const [odd] = both([50, 60]);
  assert.throws(() => gpu.embed(Int32Array.of(1), 1, 1, odd, odd, odd, gpu.alloc([1, 1, 60])), /hidden size 60/);
  // attention: head widths 64 and 16, lengths that end mid-tile, a one-token cell, padded rows zero
  for (const heads of [2, 8]) {
    const B = 3,
      T = 150,
      H = 128;
    const lengths = Int32Array.of(150, 77, 1);
    const [qg, qc] = both([B, T, 3 * H], 2);
    const og = poisoned(gpu, [B, T, H]),
      oc = cpu.alloc([B, T, H]);
    gpu.attention(qg, lengths, heads, og);
    cpu.attention(qc, lengths, heads, oc);
    const got = gpu.download(og),
      want = cpu.download(oc);
    compare(`attention, ${heads} heads of ${H / heads}`, got, want);
    for (let b = 0; b < B; b++)
      for (let t = lengths[b]!; t < T; t++)
        assert.ok(
          got.subarray((b * T + t) * H, (b * T + t + 1) * H).every((v) => v === 0),
          `attention: padded row ${b},${t} is zero (seed ${SEED})`,
        );
  }
  // pooling: row groups × 16-byte chunks (V1's 256, V2's 768, and 96, 200: other group counts);
  // spans shorter and longer than the groups' four-row unrolling, and an empty one
  for (const [T, width] of [
    [30, 96],
    [1100, 256],
    [700, 768],
    [40, 200],
  ] as const) {
    const [pg, pc] = both([5, T, width]);
    const from = Int32Array.of(0, 1, 5, 0, 3),
      to = Int32Array.of(T, T - 1, 6, 12, 3);
    const mg = poisoned(gpu, [5, width]),
      mc = cpu.alloc([5, width]);
    gpu.meanPool(pg, from, to, mg);
    cpu.meanPool(pc, from, to, mc);
    compare(`meanPool, ${T} rows of ${width}`, gpu.download(mg), cpu.download(mc));
  }
  const [hg, hc] = both([4, 30, 96]);
  const fg = poisoned(gpu, [4, 96]),
    fc = cpu.alloc([4, 96]);
  gpu.firstTokenPool(hg, fg);
  cpu.firstTokenPool(hc, fc);
  compare("firstTokenPool", gpu.download(fg), cpu.download(fc), 1e-6);
});

test("the GPU fingerprint: the same bytes, the same print; one bf16 a unit off, or two values swapped, another", {
  skip,
}, () => {
  const values = toBf16(Float32Array.from({ length: 100_003 }, () => rand()));
  const print = (bf16: Uint16Array) => {
    const t = gpu.alloc([bf16.length + 1]);
    try {
      gpu.driver.upload((t as unknown as { ptr: bigint }).ptr, bf16);
      return fingerprint(gpu.driver, gpu.kernels, (t as unknown as { ptr: bigint }).ptr, bf16.length * 2);
    } finally {
      gpu.free(t);
    }
  };
  const even = values.slice(0, 100_002);
  const base = print(even);
  assert.equal(print(Uint16Array.from(even)), base, "the same bytes elsewhere: the same fingerprint");
  const offByOne = Uint16Array.from(even);
  offByOne[77_777]! ^= 1;
  assert.notEqual(print(offByOne), base, "one bf16 a unit in the last place off");
  const swapped = Uint16Array.from(even);
  [swapped[10], swapped[50_000]] = [swapped[50_000]!, swapped[10]!];
  if (swapped[10] !== even[10]) assert.notEqual(print(swapped), base, "two values swapped");
});

test("GEMM tuning: once per class, on its first batch of ≥ TUNING_MIN_ROWS rows; the algorithm kept writes cuBLASLt's first choice's bits", {
  skip: skip || (process.env["SCEMBED_GEMM_TUNING"] === "0" ? "SCEMBED_GEMM_TUNING=0: tuning is off" : false),
}, () => {
  const N = TUNING_MIN_ROWS,
    inF = 128,
    outF = 192;
  const [wg, wc] = both([outF, inF], 0.1);
  const [bg, bc] = both([outF]);
  const ptr = (x: DTensor) => (x as unknown as { ptr: bigint }).ptr;
  const before = gpu.tunings.length;
  // a batch under the threshold first: not tuned
  for (const [i, rows] of [1000, N, N, N + 40].entries()) {
    const [xg, xc] = both([rows, inF]);
    const [rg, rc] = both([rows, outF]);
    const og = poisoned(gpu, [rows, outF]),
      oc = cpu.alloc([rows, outF]);
    gpu.linear(xg, wg, bg, og, undefined, rg);
    cpu.linear(xc, wc, bc, oc, undefined, rc);
    compare(`tuned linear + residual, ${rows} rows`, gpu.download(og), cpu.download(oc));
    const tuned = gpu.tunings.slice(before);
    assert.equal(tuned.length, i === 0 ? 0 : 1, `the class is tuned once, on its first batch of ≥ ${N} rows`);
    if (i > 0) {
      const { candidates, chosen, fingerprint: written, rows: at, failed } = tuned[0]!;
      assert.equal(failed, undefined);
      assert.equal(at, N);
      assert.ok(candidates[chosen]!.identical, "the kept algorithm writes the first choice's bits");
      if (i === 1)
        assert.equal(
          fingerprint(gpu.driver, gpu.kernels, ptr(og), rows * outF * 2),
          written,
          "the call after tuning wrote those bits",
        );
    }
    [xg, rg, og].forEach((t) => gpu.free(t));
  }
});

/** the attention kernels for heads of 64: the Hopper one (wgmma + TMA) in each variant where it runs, and mma.sync */
const kernelsFor64 = () => {
  const hopper = !skip && useSm90Attention(gpu.driver, 64, {});
  return [...(hopper ? SM90_VARIANTS.map((v) => `wgmma+TMA ${variantName(v)}`) : []), "mma.sync"];
};

test("attention for heads of 64 equals the CPU reference at lengths 4096, 1 and ones ending mid-tile, on each kernel", {
  skip,
}, () => {
  // tiles: 128 queries a block, 64 or 128 keys a tile; 4096 = 32 full tiles, the rest end inside one
  const B = 6,
    T = 4096,
    heads = 2,
    H = 128;
  const lengths = Int32Array.of(4096, 1, 200, 129, 63, 1000);
  const [qg, qc] = both([B, T, 3 * H], 2);
  const want = cpu.alloc([B, T, H]);
  cpu.attention(qc, lengths, heads, want);
  const wanted = cpu.download(want);
  const cls = cpu.alloc([B, T, H]);
  cpu.attention(qc, lengths, heads, cls, 1);
  const wantedCls = cpu.download(cls);
  const saved = {
    SCEMBED_ATTENTION: process.env["SCEMBED_ATTENTION"],
    SCEMBED_ATTENTION_SM90: process.env["SCEMBED_ATTENTION_SM90"],
  };
  try {
    for (const kernel of kernelsFor64()) {
      process.env["SCEMBED_ATTENTION"] = kernel === "mma.sync" ? "mma" : "";
      process.env["SCEMBED_ATTENTION_SM90"] = kernel.startsWith("wgmma") ? kernel.split(" ")[1] : "";
      const og = poisoned(gpu, [B, T, H]);
      gpu.attention(qg, lengths, heads, og);
      const got = gpu.download(og);
      compare(`attention (${kernel}), lengths ${lengths.join(", ")}`, got, wanted);
      for (let b = 0; b < B; b++) {
        const cell = (x: Float32Array) => x.subarray(b * T * H, b * T * H + lengths[b]! * H);
        compare(`attention (${kernel}), cell ${b} of length ${lengths[b]}`, cell(got), cell(wanted));
        for (const t of [lengths[b]!, T - 1])
          if (t >= lengths[b]! && t < T)
            assert.ok(
              got.subarray((b * T + t) * H, (b * T + t + 1) * H).every((v) => v === 0),
              `attention (${kernel}): padded row ${b},${t} is zero (seed ${SEED})`,
            );
      }
      // the <cls>-only pass (queries = 1): row 0 of each cell as in the full pass
      const first = poisoned(gpu, [B, T, H]);
      gpu.attention(qg, lengths, heads, first, 1);
      const firstRows = gpu.download(first);
      for (let b = 0; b < B; b++) {
        const row = (x: Float32Array) => x.subarray(b * T * H, b * T * H + H);
        compare(`attention (${kernel}), queries = 1, cell ${b}`, row(firstRows), row(wantedCls));
      }
      gpu.free(og);
      gpu.free(first);
    }
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

function fixtureCells(mode: "v1" | "v2"): { ids: Int32Array; lengths: Int32Array; T: number } {
  const all = readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.input_ids.npy`)).data as Int32Array;
  const offsets = Array.from(
    readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.offsets.npy`)).data as BigInt64Array,
    Number,
  );
  const lengths = Int32Array.from({ length: 96 }, (_, i) => offsets[i + 1]! - offsets[i]!);
  const T = Math.max(...lengths);
  const ids = new Int32Array(96 * T);
  for (let i = 0; i < 96; i++) ids.set(all.subarray(offsets[i]!, offsets[i + 1]!), i * T);
  return { ids, lengths, T };
}

const CASES = [
  { model: "tinyV1", format: "bin", mode: "v1", special: false, poolings: ["mean"] },
  { model: "tinyV2", format: "safetensors", mode: "v2", special: true, poolings: ["cls", "mean"] },
] as const;

for (const c of CASES) {
  test(`${c.model} on CUDA: all 96 fixture cells, ${c.poolings.join(" and ")}, emb_layer -1 and 0, cosine ≥ 0.999 vs HF fp32`, {
    skip,
  }, () => {
    const model = loadBert(join(GF, "models", c.model, c.format), gpu);
    const L = model.config.num_hidden_layers,
      H = model.config.hidden_size;
    const { ids, lengths, T } = fixtureCells(c.mode);
    const from = Int32Array.from(lengths, () => (c.special ? 1 : 0));
    const to = Int32Array.from(lengths, (n) => (c.special ? n - 1 : n));
    for (const embLayer of [-1, 0]) {
      // one pooling per pass: <cls> alone takes the one-row last layer
      for (const kind of c.poolings) {
        const [pooled] = bertForward(model, {
          ids,
          lengths,
          B: 96,
          T,
          layer: L + embLayer,
          pools: [{ kind, from, to }],
        });
        const want = readNpy(join(GF, "embeddings", `pbmc_10x_3chem.${c.mode}.emb.${kind}.layer${embLayer}.npy`))
          .data as Float32Array;
        const { min, mean } = rowCosines(pooled!, want, H);
        assert.ok(
          min >= 0.999,
          `${c.model} ${kind} emb_layer ${embLayer}: min cosine ${min.toFixed(5)} (mean ${mean.toFixed(5)})`,
        );
      }
    }
  });
}

test("scembed run: the embedding_gpu section on CUDA for a 2-chunk dataset equals the CPU path (cosine ≥ 0.999)", {
  skip,
}, async (t) => {
  const dir = tempDir(t);
  const dict = loadDictionaries({ tokenDictionary: SHIPPED.v1Tokens, geneMedians: SHIPPED.v1Medians });
  const genes = [...dict.medians.keys()].slice(0, 600);
  const base = join(dir, "data"),
    root = join(base, "processed/test/gpu2");
  mkdirSync(join(root, "all"), { recursive: true });
  await writeSyntheticZarr(join(root, "all/chunk_0.zarr"), { nObs: 300, genes, seed: 3 });
  await writeSyntheticZarr(join(root, "all/chunk_1.zarr"), { nObs: 200, genes, seed: 4 });
  const model = join(GF, "models/tinyV1/bin");
  const config = join(dir, "gpu.yaml");
  const section = (device: string) =>
    `  methods: [geneformer-v1]\n  init_kwargs: {model_dir: ${model}, device: ${device}}\n`;
  writeFileSync(
    config,
    `dataset: {name: gpu2}\nsplit_dataset: false\nembedding_preparation:\n${section("cuda")}embedding_gpu:\n${section("cuda")}`,
  );
  const r = runCli(["run", "-c", config, `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /CUDA device/);
  const cpuBase = join(dir, "cpu");
  const cpuConfig = join(dir, "cpu.yaml");
  writeFileSync(cpuConfig, `dataset: {name: gpu2}\nsplit_dataset: false\nembedding_gpu:\n${section("cpu")}`);
  mkdirSync(join(cpuBase, "processed/test"), { recursive: true });
  const { cpSync } = await import("node:fs");
  cpSync(root, join(cpuBase, "processed/test/gpu2"), { recursive: true });
  assert.equal(
    runCli(["embed", "-c", cpuConfig, "-s", "embedding_gpu", `++base_file_path=${cpuBase}`, "--quiet"]).code,
    0,
  );
  for (const [chunk, n] of [
    ["chunk_0", 300],
    ["chunk_1", 200],
  ] as const) {
    const read = async (b: string) => {
      const reader = await AnnDataReader.open(join(b, "processed_with_emb/test/gpu2/all", `${chunk}.zarr`));
      const node = await reader.tree.get("obsm/X_geneformer-v1");
      assert.ok(node?.kind === "array");
      const v = (await node.readAll()) as Float32Array;
      reader.close();
      return v;
    };
    const g = await read(base),
      c = await read(cpuBase);
    assert.equal(g.length, n * 64);
    const { min } = rowCosines(g, c, 64);
    assert.ok(min >= 0.999, `${chunk}: min cosine ${min}`);
  }
});

test("a GPU out-of-memory error halves the token budget and the file still completes", { skip }, async (t) => {
  const dir = tempDir(t);
  const dict = loadDictionaries({ tokenDictionary: SHIPPED.v1Tokens, geneMedians: SHIPPED.v1Medians });
  const genes = [...dict.medians.keys()].slice(0, 2100);
  const input = join(dir, "chunk_0.zarr");
  // 800 cells of 2048 tokens: one batch of them needs about 2 GB of activations
  await writeSyntheticZarr(input, { nObs: 800, genes, density: 1, seed: 9 });
  const { free } = gpu.driver.memInfo();
  const hog = gpu.driver.alloc(free - 1.6 * 2 ** 30); // leave ~1.6 GB: the child's context, weights, half a batch
  try {
    const out = join(dir, "out.zarr");
    const r = runCli([
      "embed",
      "--input",
      input,
      "--output",
      out,
      "--methods",
      "geneformer-v1",
      `++init_kwargs_geneformer_v1={model_dir: ${join(GF, "models/tinyV1/bin")}, device: cuda, token_budget: 100000000}`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /GPU out of memory on \d+ cells; token budget halved/);
    assert.match(r.stdout, /X_geneformer-v1 +written +\(800, 64\)/);
  } finally {
    gpu.driver.free(hog);
  }
});

const gpus = skip ? [] : visibleGpus();
test("several GPUs: the embedding_gpu section's workers run on different GPUs", {
  skip: skip || (gpus.length < 2 ? `${gpus.length} GPU visible here; needs 2` : false),
}, async (t) => {
  const dir = tempDir(t);
  const dict = loadDictionaries({ tokenDictionary: SHIPPED.v1Tokens, geneMedians: SHIPPED.v1Medians });
  const genes = [...dict.medians.keys()].slice(0, 600);
  const base = join(dir, "data"),
    root = join(base, "processed/test/multi/all");
  mkdirSync(root, { recursive: true });
  for (let i = 0; i < 2; i++)
    await writeSyntheticZarr(join(root, `chunk_${i}.zarr`), { nObs: 200, genes, seed: 20 + i });
  const config = join(dir, "multi.yaml");
  writeFileSync(
    config,
    `dataset: {name: multi}\nsplit_dataset: false\nembedding_gpu:\n  methods: [geneformer-v1]\n  init_kwargs: {model_dir: ${join(GF, "models/tinyV1/bin")}, device: cuda}\n`,
  );
  const r = runCli(["run", "-c", config, `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /GPU section: 2 worker\(s\), one per GPU/);
  const logs = join(base, "processed_with_emb/test/multi/logs/embedding_gpu");
  const buses = readdirSync(logs).map(
    (f) => /CUDA device .*\(PCI ([0-9a-f:]+),/.exec(readFileSync(join(logs, f), "utf8"))?.[1],
  );
  assert.equal(buses.length, 2);
  assert.ok(buses.every(Boolean), "each task log names its GPU");
  assert.notEqual(buses[0], buses[1], `both tasks ran on ${buses[0]}`);
});
