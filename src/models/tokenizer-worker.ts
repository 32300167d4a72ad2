/** Worker thread for parallel-tokenizer.ts: tokenizes the blocks it is sent. */
import { parentPort, workerData } from "node:worker_threads";
import type { CsrBlock } from "../numerics/csr.ts";
import type { GeneformerDictionaries } from "./geneformer-dictionaries.ts";
import { tokenizeBlock, type GeneSlots, type TokenizerRules } from "./geneformer-tokenizer.ts";

const { slots, rules, cls, eos } = workerData as {
  slots: GeneSlots;
  rules: TokenizerRules;
  cls?: number;
  eos?: number;
};
const dict = { cls, eos } as GeneformerDictionaries;
parentPort!.on("message", (msg: { id: number; block: CsrBlock; nCounts: Float64Array }) => {
  const t = tokenizeBlock(msg.block, msg.nCounts, slots, rules, dict);
  parentPort!.postMessage({ id: msg.id, result: t }, [
    t.tokens.buffer as ArrayBuffer,
    t.offsets.buffer as ArrayBuffer,
    t.uncropped.buffer as ArrayBuffer,
  ]);
});
