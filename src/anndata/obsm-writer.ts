/**
 * Writes `obsm/<key>` (dense float32, n_obs × dim) atomically: rows stream into a hidden temp
 * array beside it; commit renames it into place and refreshes the consolidated metadata. A crash
 * at any moment leaves either no array or a complete one (plus a temp dir that the next writer
 * removes). The array has the store's zarr format: v2 chunks of at most 1024 rows, a write block
 * a whole number of them; v3 one shard per write block, of inner chunks of at most 1024 rows. The
 * chunks of a block are compressed at once (row-writer.ts), so the last block's write after the
 * forward pass takes one chunk's time, not the block's.
 */
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ScembedError } from "../errors.ts";
import type { CodecConfig as CompressorConfig } from "../store/codecs/registry.ts";
import { isAbandoned, siblingTempPath } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";
import { createRowWriter, type RowWriter } from "../store/row-writer.ts";
import { writeGroupAs, zarrFormatOf, type ZarrFormat } from "../store/zarr-node.ts";
import { refreshConsolidated } from "./consolidated.ts";
import { ARRAY_ENCODING, DICT_ENCODING } from "./encoding.ts";
import { storeLockPath } from "./output-store.ts";

/** obsm chunks hold at most this many bytes, so a wide embedding (gs10k) keeps chunks small. */
const MAX_CHUNK_BYTES = 64 << 20;

export function obsmChunkRows(chunkRows: number, dim: number, nObs: number): number {
  const cap = Math.max(1, Math.floor(MAX_CHUNK_BYTES / (4 * Math.max(1, dim))));
  return Math.max(1, Math.min(chunkRows, cap, Math.max(1, nObs)));
}

/** zarr v3 inner chunks hold at most this many rows: a read of a few rows decodes little. */
const MAX_INNER_ROWS = 1024;

/**
 * Shard and inner chunk rows for a v3 obsm array written in blocks of `chunkRows` rows (a v2
 * array's chunks are the inner chunks). One block is one shard; inner chunks must divide it: the
 * largest divisor ≤ 1024 (when ≥ 128), else the block itself. A single block (the whole array) is
 * rounded up to whole inner chunks instead.
 */
export function obsmShardRows(chunkRows: number, nObs: number): { shardRows: number; innerRows: number } {
  if (chunkRows >= nObs) {
    const innerRows = Math.max(1, Math.min(MAX_INNER_ROWS, nObs));
    return { shardRows: Math.ceil(Math.max(1, nObs) / innerRows) * innerRows, innerRows };
  }
  let innerRows = Math.min(MAX_INNER_ROWS, chunkRows);
  while (chunkRows % innerRows !== 0) innerRows--;
  return { shardRows: chunkRows, innerRows: innerRows >= 128 || innerRows === chunkRows ? innerRows : chunkRows };
}

export interface ObsmWriterOptions {
  store: string;
  key: string;
  nObs: number;
  dim: number;
  /** rows per zarr chunk; blocks handed to `nextRows` must tile it */
  chunkRows: number;
  compressor?: CompressorConfig;
}

/**
 * Rows are produced in place: `nextRows(n)` lends a zeroed view of the chunk buffer, `advance(n)`
 * takes it. A full chunk is encoded and written while the next one fills (two buffers, at most
 * one write in flight), so memory stays at two chunks.
 */
export class ObsmWriter {
  private rowsWritten = 0;
  private buffered = 0;
  private buffer: Float32Array;
  private spare: Float32Array;
  private pending: Promise<void> = Promise.resolve();

  private constructor(
    private readonly opts: ObsmWriterOptions,
    private readonly tempDir: string,
    private readonly array: RowWriter,
  ) {
    this.buffer = new Float32Array(opts.chunkRows * opts.dim);
    this.spare = new Float32Array(opts.chunkRows * opts.dim);
  }

  get chunkRows(): number {
    return this.opts.chunkRows;
  }

  static async begin(opts: ObsmWriterOptions): Promise<ObsmWriter> {
    const obsmDir = join(opts.store, "obsm");
    const finalDir = join(obsmDir, opts.key);
    const format = await storeFormat(opts.store);
    await withLock(storeLockPath(opts.store), opts.store, async () => {
      if ((await zarrFormatOf(obsmDir)) === undefined) {
        await writeGroupAs(format, obsmDir, DICT_ENCODING);
        await refreshConsolidated(opts.store, ["obsm"]);
      }
      await removeAbandonedTemps(obsmDir, opts.key);
    });
    const tempDir = siblingTempPath(finalDir, "writing");
    const { shardRows, innerRows } = obsmShardRows(opts.chunkRows, opts.nObs);
    const array = await createRowWriter(format, tempDir, {
      shape: [opts.nObs, opts.dim],
      chunkRows: format === 3 ? shardRows : innerRows,
      innerRows: format === 3 ? innerRows : undefined,
      dtype: "<f4",
      compressor: opts.compressor,
      attrs: { ...ARRAY_ENCODING },
    });
    return new ObsmWriter(opts, tempDir, array);
  }

  /** A zeroed, writable view of the next `rows` rows (row-major, `dim` wide). */
  nextRows(rows: number): Float32Array {
    const { dim, nObs } = this.opts;
    if (this.buffered + rows > this.opts.chunkRows)
      throw new Error(`a block of ${rows} rows straddles a chunk of ${this.opts.chunkRows}`);
    if (this.rowsWritten + this.buffered + rows > nObs)
      throw new Error(`more than ${nObs} rows written to ${this.opts.key}`);
    const view = this.buffer.subarray(this.buffered * dim, (this.buffered + rows) * dim);
    view.fill(0);
    return view;
  }

  /** Takes the `rows` rows last lent by `nextRows`. */
  async advance(rows: number): Promise<void> {
    this.buffered += rows;
    if (this.buffered === this.opts.chunkRows || this.rowsWritten + this.buffered === this.opts.nObs)
      await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.pending;
    const full = this.buffer.subarray(0, this.buffered * this.opts.dim);
    this.pending = this.array.append(full, this.buffered);
    // the write runs while the next block is computed; its error (a full disk) is thrown where
    // `pending` is awaited next, so it must not count as unhandled in between
    this.pending.catch(() => {});
    this.rowsWritten += this.buffered;
    this.buffered = 0;
    [this.buffer, this.spare] = [this.spare, this.buffer];
  }

  async commit(): Promise<void> {
    await this.flush();
    await this.pending;
    if (this.rowsWritten === this.opts.nObs) await this.array.finish();
    const { store, key, nObs } = this.opts;
    if (this.rowsWritten !== nObs) {
      throw new ScembedError(`only ${this.rowsWritten} of ${nObs} rows were produced`, {
        file: store,
        key: `obsm/${key}`,
      });
    }
    const finalDir = join(store, "obsm", key);
    await withLock(storeLockPath(store), store, async () => {
      const old = await stat(finalDir).catch(() => undefined);
      if (old) {
        const trash = siblingTempPath(finalDir, "trash");
        await rename(finalDir, trash);
        await rename(this.tempDir, finalDir);
        await rm(trash, { recursive: true, force: true });
      } else {
        await rename(this.tempDir, finalDir);
      }
      await refreshConsolidated(store, [`obsm/${key}`]);
    });
  }

  async abort(): Promise<void> {
    await this.pending.catch(() => {});
    await this.array.abort().catch(() => {});
    await rm(this.tempDir, { recursive: true, force: true });
  }
}

async function removeAbandonedTemps(obsmDir: string, key: string): Promise<void> {
  for (const name of await readdir(obsmDir)) {
    if (!name.startsWith(`.${key}.writing-`) && !name.startsWith(`.${key}.trash-`)) continue;
    const info = await stat(join(obsmDir, name)).catch(() => undefined);
    if (info && isAbandoned(name, info.mtimeMs, 3_600_000))
      await rm(join(obsmDir, name), { recursive: true, force: true });
  }
}

async function storeFormat(store: string): Promise<ZarrFormat> {
  const format = await zarrFormatOf(store);
  if (format === undefined)
    throw new ScembedError("the output store has no zarr metadata at its root", {
      file: store,
      fix: "remove it and run again",
    });
  return format;
}
