/**
 * The host side of the CUDA device, which runs without a GPU: token-budget batching, the
 * out-of-memory split, the allocator's size classes, bf16 rounding, library search, GPU
 * visibility and device choice, the local executor's one worker per visible GPU, and the Hopper
 * attention variants (their names, and, where nvcc is installed, that ptxas keeps their wgmma
 * asynchronous).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, CudaError } from "../src/errors.ts";
import { SM90_DEFAULT, SM90_VARIANTS, sm90Defines, sm90Variant, variantName } from "../src/gpu/attention-sm90.ts";
import { fromBf16, toBf16 } from "../src/gpu/bf16.ts";
import { kernelSource } from "../src/gpu/kernels.ts";
import { candidates, LIBRARIES } from "../src/gpu/cuda-libraries.ts";
import { sizeClass } from "../src/gpu/memory-pool.ts";
import { deviceChoice, selectDevice } from "../src/gpu/select-device.ts";
import { visibleGpus } from "../src/gpu/visible-gpus.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { runOverlapped, runSplittingOnOom, tokenBatches } from "../src/methods/token-batches.ts";
import { memoryLogger } from "../src/logger.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";

test("token batches: longest first, padded size within the budget, every non-empty cell once", () => {
  let seed = 3;
  const lengths = Array.from({ length: 500 }, (_, i) =>
    i % 37 === 0 ? 0 : 1 + ((seed = (seed * 48271) % 2147483647) % 4000),
  );
  const budget = 20000;
  const batches = tokenBatches(lengths, budget);
  const seen = batches.flat();
  assert.deepEqual(
    [...seen].sort((a, b) => a - b),
    lengths.flatMap((n, i) => (n > 0 ? [i] : [])),
  );
  for (let k = 0; k < seen.length - 1; k++)
    assert.ok(lengths[seen[k]!]! >= lengths[seen[k + 1]!]!, "sorted longest first");
  for (const b of batches)
    assert.ok(
      b.length === 1 || b.length * lengths[b[0]!]! <= budget,
      `batch of ${b.length} × ${lengths[b[0]!]} tokens`,
    );
  // a budget below one cell still makes progress, one cell a batch; maxCells caps the count
  assert.ok(tokenBatches(lengths, 10).every((b) => b.length === 1));
  assert.ok(tokenBatches(lengths, 1e9, 16).every((b) => b.length <= 16));
});

test("an out-of-memory batch is split in halves and retried; other errors and one-cell batches throw", async () => {
  const oom = () => new CudaError("cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY");
  const isOom = (e: unknown) => e instanceof CudaError && e.outOfMemory;
  const done: number[][] = [],
    splits: number[] = [];
  const limit = 5; // the "device" holds at most 5 cells
  const rows = Array.from({ length: 23 }, (_, i) => i);
  await runSplittingOnOom(
    [rows.slice(0, 20), rows.slice(20)],
    (b) => {
      if (b.length > limit) throw oom();
      done.push(b);
    },
    isOom,
    (b) => splits.push(b.length),
  );
  assert.deepEqual(done.flat(), rows, "every cell once, in order");
  assert.deepEqual(splits, [20, 10, 10], "20 → 10 + 10, each 10 → 5 + 5; the last 3 fit at once");
  await assert.rejects(
    () =>
      runSplittingOnOom(
        [[1]],
        () => {
          throw oom();
        },
        isOom,
        () => {},
      ),
    /OUT_OF_MEMORY/,
  );
  await assert.rejects(
    () =>
      runSplittingOnOom(
        [[1, 2]],
        () => {
          throw new Error("illegal address");
        },
        isOom,
        () => {},
      ),
    /illegal address/,
  );
});

test("overlapped batches: the next starts before the oldest is awaited, done in order, a failure stops the rest", async () => {
  const events: string[] = [];
  const gates = new Map<number, () => void>();
  const run = (i: number) =>
    new Promise<void>((resolve, reject) => {
      events.push(`start ${i}`);
      gates.set(i, () => (i === 3 ? reject(new Error("batch 3 failed")) : resolve()));
    });
  const all = runOverlapped([0, 1, 2, 3, 4, 5], run, (i) => events.push(`done ${i}`));
  const settle = () => new Promise((r) => setImmediate(r));
  await settle();
  assert.deepEqual(events, ["start 0", "start 1"], "two under way, the third waits for the first");
  gates.get(1)!();
  await settle();
  assert.deepEqual(events, ["start 0", "start 1"], "done in order: batch 1 waits for batch 0");
  gates.get(0)!();
  await settle();
  assert.deepEqual(events.slice(2), ["done 0", "start 2", "done 1", "start 3"]);
  gates.get(3)!();
  await settle();
  gates.get(2)!();
  await assert.rejects(all, /batch 3 failed/);
  assert.deepEqual(events.slice(6), ["done 2"], "after the failure nothing more starts or is done");
});

test("allocator size classes: never smaller than asked, at most 1/8 (or 256 bytes) more", () => {
  for (const bytes of [1, 255, 512, 1000, 4096, 123457, 2 ** 20 + 1, 987654321]) {
    const c = sizeClass(bytes);
    assert.ok(c >= bytes && c <= Math.max(512, bytes * 1.125 + 256), `${bytes} → ${c}`);
  }
});

test("bf16 rounding: to nearest, ties to even, NaN and infinities kept", () => {
  const x = Float32Array.of(1, 1 + 2 ** -8, 1 + 3 * 2 ** -8, -2.5, Infinity, -Infinity, NaN, 3.1415927);
  assert.deepEqual(
    [...toBf16(x)].map((v) => v.toString(16)),
    ["3f80", "3f80", "3f82", "c020", "7f80", "ff80", "7fc0", "4049"],
  );
  const back = fromBf16(toBf16(x));
  assert.equal(back[7], 3.140625);
  assert.ok(Number.isNaN(back[6]));
});

test("CUDA libraries are searched in SCEMBED_CUDA_LIB_DIR first; CUDA_VISIBLE_DEVICES lists the GPUs", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "libnvrtc.so.13"), "");
  const nvrtc = LIBRARIES.find((l) => l.key === "nvrtc")!;
  assert.equal(candidates(nvrtc, { SCEMBED_CUDA_LIB_DIR: dir })[0], join(dir, "libnvrtc.so.13"));
  assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: "2, 3" }), ["2", "3"]);
  assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: "" }), []);
  assert.deepEqual(visibleGpus({ CUDA_VISIBLE_DEVICES: "0,-1,1" }), ["0"]);
});

test("device choice: cpu, cuda or auto; auto without a usable GPU warns and runs on the CPU", async () => {
  assert.throws(() => deviceChoice("gpu", "init_kwargs.device"), ConfigError);
  assert.equal(deviceChoice(undefined, "k"), process.env["SCEMBED_DEVICE"] ?? "auto");
  assert.equal((await selectDevice("cpu", memoryLogger())).name, "cpu");
  const log = memoryLogger();
  const dev = await selectDevice("auto", log, { attempts: 1, delaysS: [] });
  if (dev.name === "cpu") assert.match(log.lines.join("\n"), /no usable CUDA device, running on the CPU/);
  else assert.match(log.lines.join("\n"), /CUDA device .*compute capability/);
});

test("local executor: one worker per visible GPU for the embedding_gpu section, each pinned to its GPU", async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data"),
    root = join(base, "processed/test/pinned/all");
  mkdirSync(root, { recursive: true });
  const genes = geneIds(readGeneList(shippedGeneList("gs")), 300, 20);
  await writeSyntheticZarr(join(root, "chunk_0.zarr"), { nObs: 40, genes, seed: 1 });
  await writeSyntheticZarr(join(root, "chunk_1.zarr"), { nObs: 30, genes, seed: 2 });
  const config = join(dir, "c.yaml");
  writeFileSync(config, "dataset: {name: pinned}\nsplit_dataset: false\nembedding_gpu:\n  methods: [gs]\n");
  const r = runCli(["run", "-c", config, `++base_file_path=${base}`], { CUDA_VISIBLE_DEVICES: "5,7" });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr + r.stdout, /GPU section: 2 worker\(s\), one per GPU \(CUDA_VISIBLE_DEVICES 5, 7\)/);
  const logs = join(base, "processed_with_emb/test/pinned/logs/embedding_gpu");
  const pinned = readdirSync(logs)
    .map((f) => /GPU worker: CUDA_VISIBLE_DEVICES=(\d)/.exec(readFileSync(join(logs, f), "utf8"))?.[1])
    .sort();
  assert.deepEqual(pinned, ["5", "7"]);
});

test("scembed gpu says which CUDA libraries and GPUs it finds, and exits 1 when the device cannot run", () => {
  const r = runCli(["gpu"]);
  assert.match(r.stdout, /visible GPUs: /);
  if (r.code === 0) assert.match(r.stdout, /device 0: .*compute capability \d+\.\d+, [\d.]+ of [\d.]+ GiB free/);
  else {
    assert.equal(r.code, 1);
    assert.match(
      r.stdout,
      /no usable CUDA device: .*\n\s+fix: .*SCEMBED_CUDA_LIB_DIR|no usable CUDA device: .*CUDA_ERROR/,
    );
  }
});

test("CUDA initialization: transient errors are retried after the configured pauses, others fail at once", async () => {
  const { openWithRetry } = await import("../src/gpu/select-device.ts");
  const slept: number[] = [];
  const sleep = async (s: number) => void slept.push(s);
  const info = { name: "GPU", computeCapability: [9, 0], driverVersion: 13000, pciBusId: "0000:01:00" };
  let calls = 0;
  const flaky = async () => {
    if (++calls < 3) throw new CudaError("cuInit", 999, "CUDA_ERROR_UNKNOWN");
    return { device: { info } as never, paths: {} };
  };
  const log = memoryLogger();
  await openWithRetry(log, { attempts: 3, delaysS: [30, 60] }, sleep, flaky);
  assert.deepEqual(slept, [30, 60]);
  assert.match(log.lines.join("\n"), /try 2 of 3 in 30 s[\s\S]*try 3 of 3 in 60 s/);
  calls = 0;
  await assert.rejects(
    openWithRetry(memoryLogger(), { attempts: 2, delaysS: [1] }, sleep, flaky),
    /CUDA_ERROR_UNKNOWN/,
    "gives up after the last try",
  );
  slept.length = 0;
  const noDevice = async () => {
    throw new CudaError("cuDeviceGet", 100, "CUDA_ERROR_NO_DEVICE");
  };
  await assert.rejects(openWithRetry(memoryLogger(), { attempts: 3, delaysS: [30] }, sleep, noDevice), /NO_DEVICE/);
  assert.deepEqual(slept, [], "no GPU is not worth waiting for");
});

test("Hopper attention variants: named by their six defines, chosen by SCEMBED_ATTENTION_SM90, compiled with only those", () => {
  const names = SM90_VARIANTS.map(variantName);
  assert.equal(names[0], "64,2,2,0,1,1", "the default first");
  assert.equal(new Set(names).size, names.length, "no two variants share a name");
  for (const v of SM90_VARIANTS) assert.equal(sm90Variant({ SCEMBED_ATTENTION_SM90: variantName(v) }), v);
  assert.equal(sm90Variant({}), SM90_DEFAULT);
  assert.throws(() => sm90Variant({ SCEMBED_ATTENTION_SM90: "64,2,2,0,1" }), /is none of 64,2,2,0,1,1 \|/);
  // a benchmark's variant object carries a `kind`: the kernel compiles (and is cached) the same
  assert.deepEqual(sm90Defines({ ...SM90_VARIANTS[1]!, kind: "sm90" } as never), {
    BK: 64,
    STAGES: 3,
    MINB: 2,
    PIPE: 0,
    LAZY: 1,
    PRODUCER: 1,
  });
});

// ptxas serializes every wgmma of a kernel, without a word at run time, where other instructions
// touch a product's registers while it runs (its warnings C7512–C7515): each tested Hopper variant
// compiled as NVRTC compiles it, checked for those warnings and for spills. Needs nvcc (not a GPU).
const nvcc = ["nvcc", "/usr/local/cuda/bin/nvcc"].find((c) => spawnSync(c, ["--version"]).status === 0);
test("every tested Hopper attention variant compiles for sm_90a without spills or serialized wgmma", {
  skip: nvcc ? false : "needs nvcc (CUDA toolkit) on PATH or in /usr/local/cuda/bin",
}, (t) => {
  const dir = tempDir(t, "scembed-ptxas-");
  const source = join(dir, "attention-sm90.cu");
  writeFileSync(source, kernelSource("attention-sm90.cu"));
  for (const v of SM90_VARIANTS) {
    const defines = Object.entries(sm90Defines(v)).map(([k, x]) => `-D${k}=${x}`);
    const args = [
      "-arch=sm_90a",
      "-std=c++17",
      "-cubin",
      "-o",
      join(dir, "k.cubin"),
      "-Xptxas",
      "-v",
      ...defines,
      source,
    ];
    const run = spawnSync(nvcc!, args, { encoding: "utf8" });
    assert.equal(run.status, 0, `${variantName(v)}: ${run.stderr}`);
    assert.doesNotMatch(run.stderr, /C751\d/, `${variantName(v)}: ptxas serializes its wgmma`);
    assert.match(run.stderr, /\b0 bytes spill stores, 0 bytes spill loads/, `${variantName(v)}: spills`);
  }
});
