/**
 * Tokenized cells on disk: `<key>.tokens`, written once (streamed, under a lock, renamed into
 * place when complete) and read back by row range. Layout (little-endian):
 *   "SCEMTOK1" | u32 nCells | u32 reserved | f64 nTokens | i32 lengths[nCells] | i32 uncropped[nCells] | i32 tokens[nTokens]
 */
import {
  closeSync,
  openSync,
  readSync,
  writeSync,
  renameSync,
  rmSync,
  existsSync,
  mkdirSync,
  fstatSync,
} from "node:fs";
import { join } from "node:path";
import { siblingTempPath } from "./fs-atomic.ts";
import { withLock } from "./lock.ts";

const MAGIC = "SCEMTOK1";
const HEADER = 24;

export interface TokenChunk {
  tokens: Int32Array;
  offsets: Int32Array;
  uncropped: Int32Array;
}

/** The tokens of consecutive cells: cell i is tokens[offsets[i], offsets[i + 1]). */
export interface TokenRows {
  tokens: Int32Array;
  offsets: Int32Array;
}

export interface TokenCacheReader {
  path: string;
  nCells: number;
  lengths: Int32Array;
  uncropped: Int32Array;
  /** tokens of rows [r0, r1) */
  read(r0: number, r1: number): TokenRows;
  close(): void;
}

export function openTokenCache(path: string): TokenCacheReader | undefined {
  if (!existsSync(path)) return undefined;
  const fd = openSync(path, "r");
  const head = Buffer.alloc(HEADER);
  readSync(fd, head, 0, HEADER, 0);
  if (head.toString("latin1", 0, 8) !== MAGIC) {
    closeSync(fd);
    return undefined;
  }
  const nCells = head.readUInt32LE(8),
    nTokens = head.readDoubleLE(16);
  if (fstatSync(fd).size !== HEADER + 8 * nCells + 4 * nTokens) {
    closeSync(fd);
    return undefined; // never use a partial file
  }
  const meta = Buffer.alloc(8 * nCells);
  readSync(fd, meta, 0, meta.byteLength, HEADER);
  const lengths = new Int32Array(meta.buffer.slice(meta.byteOffset, meta.byteOffset + 4 * nCells));
  const uncropped = new Int32Array(meta.buffer.slice(meta.byteOffset + 4 * nCells, meta.byteOffset + 8 * nCells));
  const starts = new Float64Array(nCells + 1);
  for (let i = 0; i < nCells; i++) starts[i + 1] = starts[i]! + lengths[i]!;
  const base = HEADER + 8 * nCells;
  return {
    path,
    nCells,
    lengths,
    uncropped,
    read(r0, r1) {
      const count = starts[r1]! - starts[r0]!;
      const buf = Buffer.alloc(4 * count);
      if (count > 0) readSync(fd, buf, 0, buf.byteLength, base + 4 * starts[r0]!);
      const offsets = new Int32Array(r1 - r0 + 1);
      for (let r = r0; r < r1; r++) offsets[r - r0 + 1] = starts[r + 1]! - starts[r0]!;
      return { tokens: new Int32Array(buf.buffer, buf.byteOffset, count), offsets };
    },
    close: () => closeSync(fd),
  };
}

/**
 * Returns the cache at `<dir>/<key>.tokens`, producing it first when absent: `produce` yields
 * chunks in row order; memory holds one chunk plus two int32s per cell.
 */
export async function tokenCache(
  dir: string,
  key: string,
  nCells: number,
  produce: () => AsyncIterable<TokenChunk>,
): Promise<{ reader: TokenCacheReader; cached: boolean }> {
  const path = join(dir, `${key}.tokens`);
  const existing = openTokenCache(path);
  if (existing) return { reader: existing, cached: true };
  mkdirSync(dir, { recursive: true });
  return withLock(`${path}.lock`, path, async () => {
    const again = openTokenCache(path);
    if (again) return { reader: again, cached: true };
    const tmp = siblingTempPath(path, "tmp");
    const fd = openSync(tmp, "w");
    try {
      const lengths = new Int32Array(nCells),
        uncropped = new Int32Array(nCells);
      let row = 0,
        nTokens = 0;
      const base = HEADER + 8 * nCells;
      for await (const chunk of produce()) {
        const rows = chunk.offsets.length - 1;
        for (let r = 0; r < rows; r++) {
          lengths[row + r] = chunk.offsets[r + 1]! - chunk.offsets[r]!;
          uncropped[row + r] = chunk.uncropped[r]!;
        }
        writeSync(
          fd,
          new Uint8Array(chunk.tokens.buffer, chunk.tokens.byteOffset, chunk.tokens.byteLength),
          0,
          chunk.tokens.byteLength,
          base + 4 * nTokens,
        );
        nTokens += chunk.tokens.length;
        row += rows;
      }
      if (row !== nCells) throw new Error(`tokenized ${row} of ${nCells} cells`);
      const head = Buffer.alloc(HEADER);
      head.write(MAGIC, 0, "latin1");
      head.writeUInt32LE(nCells, 8);
      head.writeDoubleLE(nTokens, 16);
      writeSync(fd, head, 0, HEADER, 0);
      writeSync(fd, new Uint8Array(lengths.buffer), 0, lengths.byteLength, HEADER);
      writeSync(fd, new Uint8Array(uncropped.buffer), 0, uncropped.byteLength, HEADER + 4 * nCells);
      closeSync(fd);
      renameSync(tmp, path);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
      rmSync(tmp, { force: true });
      throw err;
    }
    return { reader: openTokenCache(path)!, cached: false };
  });
}
