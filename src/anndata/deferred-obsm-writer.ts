/**
 * An obsm writer whose store may not exist yet: while the output store is still being created
 * (an .h5ad converted, a zarr copied), the rows a method produces are held in memory, up to a
 * budget; at the first block after the store exists (at once when it existed already) the real
 * ObsmWriter begins, takes the held rows in order and every later row directly. So a GPU forward pass runs during the store's creation instead of
 * after it. A method that produces more than the budget before the store exists waits for it.
 * Nothing is written anywhere before the store exists; the ObsmWriter keeps its atomicity.
 */
import type { ObsmWriter } from "./obsm-writer.ts";

/** held rows of all methods of a file together, before the store exists */
export const HELD_BYTES = 512 * 1024 * 1024;

export class DeferredObsmWriter {
  private writer: ObsmWriter | undefined;
  private held: Float32Array[] = [];
  private heldBytes = 0;
  private lent: Float32Array | undefined;
  private opening: Promise<ObsmWriter> | undefined;
  private storeExists = false;

  constructor(
    private readonly storeReady: Promise<unknown>,
    private readonly begin: () => Promise<ObsmWriter>,
    private readonly dim: number,
    private readonly budgetBytes: number,
  ) {
    storeReady.then(
      () => {
        this.storeExists = true;
      },
      () => {},
    );
  }

  /** the ObsmWriter, once the store exists and it has taken the held rows */
  private async open(): Promise<ObsmWriter> {
    this.opening ??= (async () => {
      await this.storeReady;
      const writer = await this.begin();
      for (const rows of this.held) {
        writer.nextRows(rows.length / this.dim).set(rows);
        await writer.advance(rows.length / this.dim);
      }
      this.held = [];
      this.heldBytes = 0;
      this.writer = writer;
      return writer;
    })();
    return this.opening;
  }

  /** A zeroed, writable view of the next `rows` rows (held in memory until the store exists). */
  nextRows(rows: number): Float32Array {
    if (this.writer) return this.writer.nextRows(rows);
    this.lent = new Float32Array(rows * this.dim);
    return this.lent;
  }

  /** Takes the `rows` rows last lent by `nextRows`; waits for the store once the budget is spent. */
  async advance(rows: number): Promise<void> {
    if (this.writer) return this.writer.advance(rows);
    if (!this.lent || this.lent.length < rows * this.dim) throw new Error(`advance(${rows}) without nextRows(${rows})`);
    this.held.push(this.lent.subarray(0, rows * this.dim));
    this.lent = undefined;
    this.heldBytes += rows * this.dim * 4;
    if (this.storeExists || this.heldBytes >= this.budgetBytes) await this.open();
  }

  async commit(): Promise<void> {
    await (await this.open()).commit();
  }

  /** Drops held rows and aborts the writer if it began; never waits for the store's creation. */
  async abort(): Promise<void> {
    this.held = [];
    const writer = this.writer ?? (this.opening ? await this.opening.catch(() => undefined) : undefined);
    await writer?.abort();
  }
}
