/** Worker thread for parallel-gram.ts: accumulates its share of the blocks into its own Gram matrix. */
import { parentPort, workerData } from "node:worker_threads";
import type { CsrBlock } from "./csr.ts";
import { addGram, emptyGram } from "./gram.ts";

const acc = emptyGram(workerData.P as number);
parentPort!.on("message", (msg: { type: "block"; block: CsrBlock; posOf: Int32Array } | { type: "finish" }) => {
  if (msg.type === "block") {
    addGram(acc, msg.block, msg.posOf);
    parentPort!.postMessage({ type: "done" });
  } else {
    parentPort!.postMessage({ type: "result", n: acc.n, sums: acc.sums, gram: acc.gram }, [
      acc.sums.buffer as ArrayBuffer,
      acc.gram.buffer as ArrayBuffer,
    ]);
  }
});
