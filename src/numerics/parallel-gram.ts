/**
 * The Gram accumulation of gram.ts spread over worker threads: blocks go round-robin to the
 * least busy worker (at most two in flight each, so memory stays bounded), each worker keeps its
 * own P×P matrix, and `finish` adds them up.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { CsrBlock } from "./csr.ts";
import type { GramAccumulator } from "./gram.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = new URL(`./gram-worker${EXT}`, import.meta.url);

interface Slot {
  worker: Worker;
  inFlight: number;
  wake?: () => void;
}

export class ParallelGram {
  private readonly slots: Slot[];
  private error?: Error;

  constructor(
    private readonly P: number,
    threads = Math.min(4, availableParallelism()),
  ) {
    this.slots = Array.from({ length: Math.max(1, threads) }, () => {
      const slot: Slot = { worker: new Worker(WORKER, { workerData: { P } }), inFlight: 0 };
      slot.worker.on("message", (m: { type: string }) => {
        if (m.type === "done") {
          slot.inFlight--;
          slot.wake?.();
        }
      });
      slot.worker.on("error", (err) => {
        this.error = err;
        slot.wake?.();
      });
      return slot;
    });
  }

  /** Hands the block to a worker; its buffers are transferred (the caller must not reuse them). */
  async add(block: CsrBlock, posOf: Int32Array): Promise<void> {
    let slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    while (slot.inFlight >= 2 && !this.error) {
      await new Promise<void>((resolve) => (slot.wake = resolve));
      slot.wake = undefined;
      slot = this.slots.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    }
    if (this.error) throw this.error;
    slot.inFlight++;
    const transfer = [block.indptr.buffer, block.indices.buffer, block.data.buffer].filter(
      (b, i, all) => all.indexOf(b) === i,
    ) as ArrayBuffer[];
    slot.worker.postMessage({ type: "block", block, posOf }, transfer);
  }

  async finish(): Promise<GramAccumulator> {
    const P = this.P;
    const total: GramAccumulator = { P, n: 0, sums: new Float64Array(P), gram: new Float64Array(P * P) };
    for (const slot of this.slots) {
      const result = await new Promise<{ n: number; sums: Float64Array; gram: Float64Array }>((resolve, reject) => {
        slot.worker.on(
          "message",
          (m: { type: string; n: number; sums: Float64Array; gram: Float64Array }) => m.type === "result" && resolve(m),
        );
        slot.worker.once("error", reject);
        slot.worker.postMessage({ type: "finish" });
      });
      total.n += result.n;
      for (let i = 0; i < P; i++) total.sums[i]! += result.sums[i]!;
      for (let i = 0; i < P * P; i++) total.gram[i]! += result.gram[i]!;
      await slot.worker.terminate();
    }
    if (this.error) throw this.error;
    return total;
  }
}
