/**
 * The fast CPU device (fast-cpu-device.ts) against the scalar oracle (cpu-device.ts) on seeded
 * random BERTs (hidden 64, 4 heads, 2 layers, vocab 100, 4096 positions) at sequence lengths 1,
 * 17, 2048 and 4096, with OpenBLAS and with the TypeScript GEMM (geneformer-model.test.ts checks it
 * against HF's embeddings). Norm: max |Δ| over every pooled value, absolute (the outputs are
 * LayerNorm-scaled, O(1)).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { loadBert } from "../src/models/bert.ts";
import { bertForward, type ForwardRequest, type Pooling } from "../src/models/bert-forward.ts";
import { softmaxRows } from "../src/models/cpu-attention.ts";
import { cpuDevice } from "../src/models/cpu-device.ts";
import { FastCpuDevice } from "../src/models/fast-cpu-device.ts";
import { nativeSgemm } from "../src/numerics/native-blas.ts";
import { SeededRandom } from "../src/numerics/random.ts";
import { wasmSoftmax } from "../src/models/softmax-wasm.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { tempDir } from "./helpers/paths.ts";
import { randomBertConfig, writeRandomBert } from "./helpers/random-bert.ts";

/** B sequences of the given lengths, padded with 0 to the longest; random ids in [1, vocab) */
function request(lengths: number[], vocab: number, seed: number, layer: number, kind: Pooling): ForwardRequest {
  const rng = new SeededRandom(seed);
  const T = Math.max(...lengths),
    B = lengths.length;
  const ids = new Int32Array(B * T);
  lengths.forEach((n, b) => {
    for (let i = 0; i < n; i++) ids[b * T + i] = 1 + rng.int(vocab - 1);
  });
  return { ids, lengths: Int32Array.from(lengths), B, T, layer, pools: [{ kind }] };
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const CASES: { lengths: number[]; layers: number[]; poolings: Pooling[]; blas: boolean[] }[] = [
  { lengths: [1], layers: [0, 1, 2], poolings: ["cls", "mean"], blas: [true, false] },
  { lengths: [17, 5, 1], layers: [1, 2], poolings: ["cls", "mean"], blas: [true, false] },
  { lengths: [2048, 700], layers: [2], poolings: ["mean", "cls"], blas: [true] },
  { lengths: [4096], layers: [2], poolings: ["cls"], blas: [true] },
];

for (const c of CASES) {
  test(`fast CPU device = scalar oracle (≤ 1e-5 max |Δ|) at lengths ${c.lengths.join(", ")}`, (t) => {
    const dir = writeRandomBert(tempDir(t), randomBertConfig({ hidden_act: "gelu" }), 11);
    const ref = loadBert(dir, cpuDevice());
    for (const blas of c.blas) {
      if (blas && !nativeSgemm().sgemmStrided) {
        t.diagnostic("no OpenBLAS here: the BLAS case is skipped");
        continue;
      }
      const fast = loadBert(dir, new FastCpuDevice(blas));
      for (const layer of c.layers)
        for (const kind of c.poolings) {
          const req = request(c.lengths, 100, 5, layer, kind);
          const [want] = bertForward(ref, req);
          const [got] = bertForward(fast, req);
          const label = `${blas ? "OpenBLAS" : "TypeScript GEMM"}, layer ${layer}, ${kind}`;
          t.diagnostic(`${label}: max |Δ| ${maxAbs(got!, want!).toExponential(2)}`);
          expectClose(got!, want!, { atol: 1e-5, label });
        }
    }
  });
}

test("the WebAssembly SIMD softmax equals the TypeScript one (≤ 1e-7 max |Δ|), padding columns weigh nothing", (t) => {
  const simd = wasmSoftmax();
  assert.ok(simd, "WebAssembly SIMD is available in Node 20");
  const rng = new SeededRandom(3);
  for (const n of [1, 3, 4, 17, 2048, 4093]) {
    const m = 7,
      w = (n + 3) & ~3;
    const want = Float32Array.from({ length: m * n }, () => 30 * (rng.next() - 0.5));
    const S = simd.scratch(m * w);
    for (let r = 0; r < m; r++) {
      S.set(want.subarray(r * n, (r + 1) * n), r * w);
      S.fill(-1e30, r * w + n, (r + 1) * w);
    }
    softmaxRows(want, m, n);
    simd.rows(m, w);
    const got = new Float32Array(m * n);
    for (let r = 0; r < m; r++) got.set(S.subarray(r * w, r * w + n), r * n);
    t.diagnostic(`n ${n}: max |Δ| ${maxAbs(got, want).toExponential(2)}`);
    expectClose(got, want, { atol: 1e-7, label: `softmax rows of ${n}` });
  }
});

test("SCEMBED_BLAS=off gives the fast device the TypeScript GEMM (the path the TypeScript cases above run)", () => {
  const url = new URL("../src/models/fast-cpu-device.js", import.meta.url).href;
  const r = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { FastCpuDevice } from ${JSON.stringify(url)}; console.log(new FastCpuDevice().gemmSource)`,
    ],
    { env: { ...process.env, SCEMBED_BLAS: "off" }, encoding: "utf8" },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "TypeScript");
});
