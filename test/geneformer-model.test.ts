/**
 * The TypeScript BERT on the CPU devices against HF transformers' outputs (tiny random models,
 * fp32): tinyV1 from pytorch_model.bin, tinyV2 from model.safetensors (the repo keeps one format of
 * each model: space), cls and mean pooling, emb_layer -1 and 0; on the scalar oracle (cpu-device.ts),
 * the fast device with OpenBLAS and with its TypeScript GEMM. On the scalar device a full-length
 * cell costs seconds, so each case checks the 8 shortest of the fixture's 96 cells.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadBert } from "../src/models/bert.ts";
import { bertForward } from "../src/models/bert-forward.ts";
import { cpuDevice } from "../src/models/cpu-device.ts";
import type { Device } from "../src/models/device.ts";
import { FastCpuDevice } from "../src/models/fast-cpu-device.ts";
import { nativeSgemm } from "../src/numerics/native-blas.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { readNpy } from "./helpers/npy.ts";
import { FIXTURES } from "./helpers/paths.ts";

const GF = join(FIXTURES, "geneformer");

function shortestCells(mode: "v1" | "v2", n: number): { index: number; ids: Int32Array }[] {
  const ids = readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.input_ids.npy`)).data as Int32Array;
  const offsets = Array.from(
    readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.offsets.npy`)).data as BigInt64Array,
    Number,
  );
  const cells = Array.from({ length: 96 }, (_, i) => ({ index: i, ids: ids.subarray(offsets[i]!, offsets[i + 1]!) }));
  return cells.sort((a, b) => a.ids.length - b.ids.length).slice(0, n);
}

const CASES = [
  { model: "tinyV1", format: "bin", mode: "v1", special: false, poolings: ["mean"] },
  { model: "tinyV2", format: "safetensors", mode: "v2", special: true, poolings: ["cls", "mean"] },
] as const;

const DEVICES: { name: string; make: () => Device }[] = [
  { name: "scalar CPU", make: cpuDevice },
  ...(nativeSgemm().sgemmStrided ? [{ name: "fast CPU (OpenBLAS)", make: () => new FastCpuDevice(true) }] : []),
  { name: "fast CPU (TypeScript GEMM)", make: () => new FastCpuDevice(false) },
];

// the TypeScript GEMM on tinyV1 only (tinyV2 there costs 10 s; geneformer-cpu-fast tests that path too)
for (const c of CASES)
  for (const d of DEVICES.filter((d) => c.model === "tinyV1" || !d.name.includes("TypeScript"))) {
    const format = c.format;
    test(`${c.model} from ${format} on the ${d.name} device: ${c.poolings.join(" and ")} pooling, emb_layer -1 and 0, max abs diff ≤ 1e-4 vs HF`, (t) => {
      const model = loadBert(join(GF, "models", c.model, format), d.make());
      const L = model.config.num_hidden_layers,
        H = model.config.hidden_size;
      const cells = shortestCells(c.mode, 8);
      const T = Math.max(...cells.map((x) => x.ids.length));
      const ids = new Int32Array(cells.length * T);
      cells.forEach((x, i) => ids.set(x.ids, i * T));
      const lengths = Int32Array.from(cells, (x) => x.ids.length);
      // V2 mean pooling averages the genes only, without <cls> and <eos>
      const from = Int32Array.from(cells, () => (c.special ? 1 : 0));
      const to = Int32Array.from(cells, (x) => (c.special ? x.ids.length - 1 : x.ids.length));
      for (const embLayer of [-1, 0]) {
        const pooled = bertForward(model, {
          ids,
          lengths,
          B: cells.length,
          T,
          layer: L + embLayer,
          pools: c.poolings.map((kind) => ({ kind, from, to })),
        });
        c.poolings.forEach((kind, p) => {
          const all = readNpy(join(GF, "embeddings", `pbmc_10x_3chem.${c.mode}.emb.${kind}.layer${embLayer}.npy`))
            .data as Float32Array;
          const want = new Float32Array(cells.length * H);
          cells.forEach((x, i) => want.set(all.subarray(x.index * H, (x.index + 1) * H), i * H));
          const label = `${c.model} ${format} ${kind} emb_layer ${embLayer}`;
          t.diagnostic(
            `${label}: max |Δ| ${pooled[p]!.reduce((m, x, i) => Math.max(m, Math.abs(x - want[i]!)), 0).toExponential(2)}`,
          );
          expectClose(pooled[p]!, want, { atol: 1e-4, label });
        });
      }
    });
  }

for (const d of DEVICES)
  test(`hidden states layer by layer (<cls> position of cell 1) match on the ${d.name} device, so a wrong layer cannot pass`, () => {
    const model = loadBert(join(GF, "models", "tinyV2", "safetensors"), d.make());
    const ids = readNpy(join(GF, "pbmc_10x_3chem.v2.first96.input_ids.npy")).data as Int32Array;
    const offsets = Array.from(
      readNpy(join(GF, "pbmc_10x_3chem.v2.first96.offsets.npy")).data as BigInt64Array,
      Number,
    );
    const cell = ids.subarray(offsets[1]!, offsets[2]!);
    // HF's hidden states of cell 1 at its first token (<cls>), one row per layer (embeddings first)
    const hs = readNpy(join(GF, "embeddings", "pbmc_10x_3chem.v2.hidden_states.cell1.first_token.npy"));
    const [layers, H] = hs.shape as [number, number];
    const T = cell.length;
    for (let layer = 0; layer < layers; layer++) {
      const [cls] = bertForward(model, {
        ids: cell,
        lengths: Int32Array.of(T),
        B: 1,
        T,
        layer,
        pools: [{ kind: "cls" }],
      });
      expectClose(cls!, (hs.data as Float32Array).subarray(layer * H, (layer + 1) * H), {
        atol: 1e-4,
        label: `hidden_states[${layer}][0]`,
      });
    }
  });

test("safetensors: a tensor whose bytes do not match its shape is refused, naming the tensor and the file", async () => {
  const { parseSafetensors } = await import("../src/models/safetensors.ts");
  const header = (entries: Record<string, unknown>) => {
    let json = Buffer.from(JSON.stringify(entries));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 32)]);
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(BigInt(json.length));
    return Buffer.concat([size, json]);
  };
  const values = Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6).buffer);
  const good = Buffer.concat([header({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 24] } }), values]);
  assert.deepEqual(Array.from(parseSafetensors(good, "good.safetensors").get("w")!.data), [1, 2, 3, 4, 5, 6]);
  // 4 values' bytes for a 2×3 tensor: read as is, the tensor would run into whatever follows
  const short = Buffer.concat([header({ w: { dtype: "F32", shape: [2, 3], data_offsets: [0, 16] } }), values]);
  assert.throws(
    () => parseSafetensors(short, "/models/short.safetensors"),
    (e: Error & { file?: string }) =>
      /tensor w \(shape \[2,3\], F32\)/.test(e.message) && e.file === "/models/short.safetensors",
  );
});
