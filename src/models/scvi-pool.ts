/**
 * Encodes a block on this thread and on worker threads at once: the rows are split evenly, the
 * workers get their share (CSR slices copied), this thread does the first share.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { CsrBlock } from "../numerics/csr.ts";
import { encodeBlock, type ScviEncoder } from "./scvi.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = new URL(`./scvi-worker${EXT}`, import.meta.url);

export class ScviPool {
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, (out: Float32Array) => void>();
  private next = 0;

  constructor(
    private readonly encoder: ScviEncoder,
    private readonly rowOf: Int32Array,
    threads = availableParallelism(),
  ) {
    this.workers = Array.from({ length: Math.max(0, Math.min(3, threads - 1)) }, () => {
      const w = new Worker(WORKER, { workerData: { encoder, rowOf } });
      w.on("message", (m: { id: number; out: Float32Array }) => {
        this.waiting.get(m.id)?.(m.out);
        this.waiting.delete(m.id);
      });
      w.unref();
      return w;
    });
  }

  async encode(x: CsrBlock, out: Float32Array): Promise<void> {
    // referenced only while they work, so an idle pool never keeps the process alive
    for (const w of this.workers) w.ref();
    const parts = this.workers.length + 1;
    const per = Math.ceil(x.rows / parts);
    const K = this.encoder.nLatent;
    const jobs = this.workers.map((w, i) => {
      const r0 = (i + 1) * per,
        r1 = Math.min(x.rows, r0 + per);
      if (r0 >= r1) return Promise.resolve();
      const p0 = x.indptr[r0]!,
        p1 = x.indptr[r1]!;
      const indptr = Int32Array.from(x.indptr.subarray(r0, r1 + 1), (v) => v - p0);
      const id = this.next++;
      const done = new Promise<Float32Array>((resolve) => this.waiting.set(id, resolve));
      w.postMessage({ id, indptr, indices: x.indices.slice(p0, p1), data: x.data.slice(p0, p1), rows: r1 - r0 });
      return done.then((part) => out.set(part, r0 * K));
    });
    encodeBlock(this.encoder, x.indptr, x.indices, x.data, Math.min(per, x.rows), this.rowOf, out);
    await Promise.all(jobs);
    for (const w of this.workers) w.unref();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
