/** Worker thread for scvi-pool.ts: encodes the row ranges it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import { encodeBlock, type ScviEncoder } from "./scvi.ts";

const { encoder, rowOf } = workerData as { encoder: ScviEncoder; rowOf: Int32Array };
parentPort!.on(
  "message",
  (m: { id: number; indptr: Int32Array; indices: Int32Array; data: Float32Array; rows: number }) => {
    const out = new Float32Array(m.rows * encoder.nLatent);
    encodeBlock(encoder, m.indptr, m.indices, m.data, m.rows, rowOf, out);
    parentPort!.postMessage({ id: m.id, out }, [out.buffer]);
  },
);
