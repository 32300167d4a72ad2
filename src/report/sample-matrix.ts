/**
 * The sampled rows of one embedding (n × d float32), filled in order. Small samples live in
 * memory; a wide one (50,000 cells × 10,000 genes is 2 GB) goes to a temporary file beside the
 * report and is read back in blocks, so memory stays bounded whatever the width.
 */
import { open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

/** samples up to this size stay in memory */
export const IN_MEMORY_BYTES = 256 * 1024 * 1024;
const BLOCK_BYTES = 32 * 1024 * 1024;

export class SampleMatrix {
  private filled = 0;
  private pending: Float32Array;
  private pendingRows = 0;

  private constructor(
    readonly rows: number,
    readonly dim: number,
    /** the whole matrix, when in memory */
    readonly data: Float32Array | undefined,
    private readonly file: { path: string; handle: FileHandle } | undefined,
  ) {
    this.pending = data ? new Float32Array(0) : new Float32Array(this.blockRows() * dim);
  }

  static async create(
    rows: number,
    dim: number,
    tempDir: string,
    name: string,
    inMemoryBytes = IN_MEMORY_BYTES,
  ): Promise<SampleMatrix> {
    if (rows * dim * 4 <= inMemoryBytes) return new SampleMatrix(rows, dim, new Float32Array(rows * dim), undefined);
    const path = join(tempDir, `${name}.f32`);
    return new SampleMatrix(rows, dim, undefined, { path, handle: await open(path, "w+") });
  }

  get onDisk(): boolean {
    return this.file !== undefined;
  }

  /** rows per block of `forEachBlock` */
  blockRows(): number {
    return Math.max(1, Math.floor(BLOCK_BYTES / 4 / Math.max(1, this.dim)));
  }

  /** Appends one row (`dim` values from `src` at `offset`); non-finite values become 0. */
  async append(src: Float32Array, offset: number): Promise<void> {
    const d = this.dim;
    const target = this.data ?? this.pending;
    const o = (this.data ? this.filled : this.pendingRows) * d;
    for (let j = 0; j < d; j++) {
      const v = src[offset + j]!;
      target[o + j] = Number.isFinite(v) ? v : 0;
    }
    this.filled++;
    if (!this.data && ++this.pendingRows * d === this.pending.length) await this.flush();
  }

  async finish(): Promise<void> {
    if (this.filled !== this.rows) throw new Error(`sample has ${this.filled} rows, expected ${this.rows}`);
    if (this.file) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.file || this.pendingRows === 0) return;
    const bytes = this.pendingRows * this.dim * 4;
    await this.file.handle.write(new Uint8Array(this.pending.buffer, 0, bytes));
    this.pendingRows = 0;
  }

  /** Calls `cb` on consecutive row blocks (the block array is reused between calls). */
  async forEachBlock(cb: (block: Float32Array, start: number, rows: number) => void): Promise<void> {
    const step = this.blockRows();
    if (this.data) {
      for (let s = 0; s < this.rows; s += step) {
        const r = Math.min(step, this.rows - s);
        cb(this.data.subarray(s * this.dim, (s + r) * this.dim), s, r);
      }
      return;
    }
    const buf = new Float32Array(step * this.dim);
    for (let s = 0; s < this.rows; s += step) {
      const r = Math.min(step, this.rows - s);
      const bytes = r * this.dim * 4;
      const { bytesRead } = await this.file!.handle.read(
        new Uint8Array(buf.buffer, 0, bytes),
        0,
        bytes,
        s * this.dim * 4,
      );
      if (bytesRead !== bytes) throw new Error(`short read of the sample file ${this.file!.path}`);
      cb(buf.subarray(0, r * this.dim), s, r);
    }
  }

  async close(): Promise<void> {
    if (!this.file) return;
    await this.file.handle.close();
    await rm(this.file.path, { force: true });
  }
}
