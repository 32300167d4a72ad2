/**
 * Tokenization spread over worker threads that read the counts themselves: each worker opens the
 * file and is sent row ranges (a .h5ad is read through h5wasm, whose decompression would otherwise
 * hold the main thread while the model loads). Results come back in input order; at most
 * `2 × threads` ranges are in flight.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fromWire, type WireError } from "../anndata/worker-error.ts";
import type { GeneformerDictionaries } from "../models/geneformer-dictionaries.ts";
import type { GeneSlots, TokenBlock, TokenizerRules } from "../models/geneformer-tokenizer.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = new URL(`./tokenize-worker${EXT}`, import.meta.url);

/** rows [r0, r1) of the counts; their library sizes when the file has them (else the row sums) */
export interface TokenJob {
  r0: number;
  r1: number;
  nCounts?: Float64Array;
}

export async function* tokenizeParallel(
  source: { path: string; key: string },
  jobs: Iterable<TokenJob>,
  slots: GeneSlots,
  rules: TokenizerRules,
  dict: GeneformerDictionaries,
  threads = Math.min(8, Math.max(2, availableParallelism() - 2)),
): AsyncGenerator<TokenBlock> {
  const workers = Array.from(
    { length: threads },
    () => new Worker(WORKER, { workerData: { ...source, slots, rules, cls: dict.cls, eos: dict.eos } }),
  );
  const waiting = new Map<number, { resolve: (t: TokenBlock) => void; reject: (e: Error) => void }>();
  const failAll = (err: Error) => {
    for (const p of waiting.values()) p.reject(err);
    waiting.clear();
  };
  let closing = false;
  const exited = workers.map((w) => new Promise<void>((resolve) => w.once("exit", () => resolve())));
  for (const w of workers) {
    w.on("message", (m: { id: number; result?: TokenBlock; error?: WireError }) => {
      const p = waiting.get(m.id);
      waiting.delete(m.id);
      if (m.error) p?.reject(fromWire(m.error));
      else p?.resolve(m.result!);
    });
    w.on("error", failAll);
    w.on("exit", (code) => {
      if (!closing) failAll(new Error(`a tokenizer worker stopped (exit code ${code}) before its work was done`));
    });
  }
  const pending: Promise<TokenBlock>[] = [];
  let id = 0;
  try {
    for (const job of jobs) {
      const n = id++;
      const result = new Promise<TokenBlock>((resolve, reject) => waiting.set(n, { resolve, reject }));
      result.catch(() => {}); // awaited in order below
      pending.push(result);
      workers[n % workers.length]!.postMessage(
        { id: n, ...job },
        job.nCounts ? [job.nCounts.buffer as ArrayBuffer] : [],
      );
      while (pending.length >= 2 * workers.length) yield await pending.shift()!;
    }
    while (pending.length > 0) yield await pending.shift()!;
  } finally {
    // each worker closes its file and ends; one still busy after 10 s is stopped
    closing = true;
    for (const w of workers) w.postMessage("close");
    const ended = Promise.all(exited);
    const late = await Promise.race([ended.then(() => false), new Promise((r) => setTimeout(r, 10_000, true).unref())]);
    if (late) await Promise.all(workers.map((w) => w.terminate()));
  }
}
