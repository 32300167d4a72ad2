/**
 * Writes `obsm/<key>` (dense float32, n_obs × dim) atomically: rows stream into a hidden temp
 * array beside it; commit renames it into place and refreshes `.zmetadata`. A crash at any
 * moment leaves either no array or a complete one (plus a temp dir that the next writer removes).
 */
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ScembedError } from "../errors.ts";
import type { CompressorConfig } from "../store/codecs.ts";
import { isAbandoned, siblingTempPath } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";
import { writeGroup, ZarrArrayWriter } from "../store/zarr-writer.ts";
import { refreshConsolidated } from "./consolidated.ts";
import { ARRAY_ENCODING, DICT_ENCODING } from "./encoding.ts";
import { storeLockPath } from "./output-store.ts";

/** obsm chunks hold at most this many bytes, so a wide embedding (gs10k) keeps chunks small. */
const MAX_CHUNK_BYTES = 64 << 20;

export function obsmChunkRows(chunkRows: number, dim: number, nObs: number): number {
  const cap = Math.max(1, Math.floor(MAX_CHUNK_BYTES / (4 * Math.max(1, dim))));
  return Math.max(1, Math.min(chunkRows, cap, Math.max(1, nObs)));
}

export interface ObsmWriterOptions {
  store: string;
  key: string;
  nObs: number;
  dim: number;
  chunkRows: number;
  compressor?: CompressorConfig;
}

export class ObsmWriter {
  private rowsWritten = 0;
  private buffered = 0;
  private chunkIndex = 0;
  private readonly buffer: Float32Array;

  private constructor(
    private readonly opts: ObsmWriterOptions,
    private readonly tempDir: string,
    private readonly array: ZarrArrayWriter,
    readonly chunkRows: number,
  ) {
    this.buffer = new Float32Array(chunkRows * opts.dim);
  }

  static async begin(opts: ObsmWriterOptions): Promise<ObsmWriter> {
    const obsmDir = join(opts.store, "obsm");
    const finalDir = join(obsmDir, opts.key);
    await withLock(storeLockPath(opts.store), opts.store, async () => {
      if (!(await stat(join(obsmDir, ".zgroup")).catch(() => undefined))) {
        await writeGroup(obsmDir, DICT_ENCODING);
        await refreshConsolidated(opts.store, ["obsm"]);
      }
      await removeAbandonedTemps(obsmDir, opts.key);
    });
    const tempDir = siblingTempPath(finalDir, "writing");
    const chunkRows = obsmChunkRows(opts.chunkRows, opts.dim, opts.nObs);
    const array = await ZarrArrayWriter.create(tempDir, {
      shape: [opts.nObs, opts.dim],
      chunks: [chunkRows, opts.dim],
      dtype: "<f4",
      compressor: opts.compressor,
      attrs: { ...ARRAY_ENCODING },
    });
    return new ObsmWriter(opts, tempDir, array, chunkRows);
  }

  /** Appends `rows` rows (row-major, `dim` wide). */
  async write(values: Float32Array, rows: number): Promise<void> {
    const { dim } = this.opts;
    if (values.length !== rows * dim) throw new Error(`expected ${rows * dim} values, got ${values.length}`);
    if (this.rowsWritten + this.buffered + rows > this.opts.nObs) throw new Error(`more than ${this.opts.nObs} rows written to ${this.opts.key}`);
    let offset = 0;
    while (offset < rows) {
      const take = Math.min(rows - offset, this.chunkRows - this.buffered);
      this.buffer.set(values.subarray(offset * dim, (offset + take) * dim), this.buffered * dim);
      this.buffered += take;
      offset += take;
      if (this.buffered === this.chunkRows) await this.flush();
    }
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0) return;
    await this.array.writeChunk([this.chunkIndex, 0], this.buffer.subarray(0, this.buffered * this.opts.dim));
    this.chunkIndex++;
    this.rowsWritten += this.buffered;
    this.buffered = 0;
  }

  async commit(): Promise<void> {
    await this.flush();
    const { store, key, nObs } = this.opts;
    if (this.rowsWritten !== nObs) {
      throw new ScembedError(`only ${this.rowsWritten} of ${nObs} rows were produced`, { file: store, key: `obsm/${key}` });
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
    await rm(this.tempDir, { recursive: true, force: true });
  }
}

async function removeAbandonedTemps(obsmDir: string, key: string): Promise<void> {
  for (const name of await readdir(obsmDir)) {
    if (!name.startsWith(`.${key}.writing-`) && !name.startsWith(`.${key}.trash-`)) continue;
    const info = await stat(join(obsmDir, name)).catch(() => undefined);
    if (info && isAbandoned(name, info.mtimeMs, 3_600_000)) await rm(join(obsmDir, name), { recursive: true, force: true });
  }
}
