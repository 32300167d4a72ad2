/**
 * One side of the Geneformer CPU benchmark, in its own process (so its peak RSS is its own): a
 * model folder on the fast CPU device (or the scalar one: --device scalar), the tokens of
 * <tokens>.ids.npy / .offsets.npy batched as geneformer.ts batches them (longest first,
 * CPU_TOKEN_BUDGET tokens), emb_layer -1, writes the pooled embeddings as OUT.npy and prints
 * {"seconds", "cells", "gemm"} as JSON on stdout.
 *   node dist/bench/geneformer-cpu-driver.js MODEL_DIR TOKENS_PREFIX cls|mean SPECIAL(0|1) OUT.npy
 */
import { loadBert } from "../src/models/bert.ts";
import { bertForward, type Pooling } from "../src/models/bert-forward.ts";
import { FastCpuDevice } from "../src/models/fast-cpu-device.ts";
import { CPU_TOKEN_BUDGET } from "../src/methods/geneformer.ts";
import { paddedBatch, tokenBatches } from "../src/methods/token-batches.ts";
import { readNpy } from "../test/helpers/npy.ts";
import { writeNpy } from "./npy-writer.ts";

const [modelDir, prefix, pooling, specialArg, outPath] = process.argv.slice(2);
if (!modelDir || !prefix || !outPath) throw new Error("usage: MODEL_DIR TOKENS_PREFIX cls|mean SPECIAL OUT.npy");
const special = specialArg === "1";
const device = new FastCpuDevice();
const model = loadBert(modelDir, device);
const ids = readNpy(`${prefix}.ids.npy`).data as Int32Array;
const offsets = Array.from(readNpy(`${prefix}.offsets.npy`).data as BigInt64Array, Number);
const n = offsets.length - 1,
  H = model.config.hidden_size;
const lengths = Array.from({ length: n }, (_, i) => offsets[i + 1]! - offsets[i]!);
const out = new Float32Array(n * H);
const started = performance.now();
for (const rows of tokenBatches(lengths, CPU_TOKEN_BUDGET)) {
  const { ids: batch, lengths: lens, T } = paddedBatch(rows, ids, offsets, model.config.pad_token_id ?? 0);
  const [pooled] = bertForward(model, {
    ids: batch,
    lengths: lens,
    B: rows.length,
    T,
    layer: model.config.num_hidden_layers - 1,
    pools: [
      {
        kind: pooling as Pooling,
        from: Int32Array.from(rows, () => (special ? 1 : 0)),
        to: Int32Array.from(lens, (x) => (special ? x - 1 : x)),
      },
    ],
  });
  rows.forEach((i, j) => out.set(pooled!.subarray(j * H, (j + 1) * H), i * H));
}
const seconds = (performance.now() - started) / 1000;
writeNpy(outPath, out, [n, H]);
console.log(JSON.stringify({ seconds, cells: n, gemm: device.gemmSource }));
