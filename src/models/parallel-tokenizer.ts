/**
 * Tokenization spread over worker threads: the caller reads blocks in order, each goes to the
 * next worker, and results come back in input order. At most `2 × threads` blocks are in flight.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { CsrBlock } from "../numerics/csr.ts";
import type { GeneformerDictionaries } from "./geneformer-dictionaries.ts";
import type { GeneSlots, TokenBlock, TokenizerRules } from "./geneformer-tokenizer.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = new URL(`./tokenizer-worker${EXT}`, import.meta.url);

export async function* tokenizeParallel(
  blocks: AsyncIterable<{ block: CsrBlock; nCounts: Float64Array }>,
  slots: GeneSlots,
  rules: TokenizerRules,
  dict: GeneformerDictionaries,
  threads = Math.min(4, availableParallelism()),
): AsyncGenerator<TokenBlock> {
  const workers = Array.from(
    { length: Math.max(1, threads) },
    () => new Worker(WORKER, { workerData: { slots, rules, cls: dict.cls, eos: dict.eos } }),
  );
  const waiting = new Map<number, { resolve: (t: TokenBlock) => void; reject: (e: Error) => void }>();
  for (const w of workers) {
    w.on("message", (m: { id: number; result: TokenBlock }) => {
      waiting.get(m.id)?.resolve(m.result);
      waiting.delete(m.id);
    });
    w.on("error", (err) => {
      for (const p of waiting.values()) p.reject(err);
      waiting.clear();
    });
  }
  const pending: Promise<TokenBlock>[] = [];
  let id = 0;
  try {
    for await (const { block, nCounts } of blocks) {
      const job = id++;
      pending.push(new Promise<TokenBlock>((resolve, reject) => waiting.set(job, { resolve, reject })));
      const transfer = [block.indptr.buffer, block.indices.buffer, block.data.buffer, nCounts.buffer].filter(
        (b, i, all) => all.indexOf(b) === i,
      ) as ArrayBuffer[];
      workers[job % workers.length]!.postMessage({ id: job, block, nCounts }, transfer);
      while (pending.length >= 2 * workers.length) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
