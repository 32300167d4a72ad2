/**
 * One streaming pass over `obsm/<key>` of every file: every row feeds the sanity statistics, the
 * sampled rows are copied into the sample matrix. Blocks follow the array's storage chunks
 * (each chunk read once), one block read ahead, so memory is two blocks, whatever the file's size.
 */
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { InputError } from "../errors.ts";
import type { ArrayNode } from "../store/tree.ts";
import { REDUCED_DIM } from "./pca-reduce.ts";
import { SampleMatrix } from "./sample-matrix.ts";
import { addBlock, emptyFileStats, type FileStats } from "./sanity.ts";
import { basename } from "node:path";

const BLOCK_BYTES = 16 * 1024 * 1024;

export interface Collected {
  sample: SampleMatrix;
  stats: FileStats[];
  /** Euclidean norms of the sampled rows (NaN for a row with NaN/Inf) */
  norms: Float64Array;
}

export async function collectEmbedding(
  paths: readonly string[],
  key: string,
  dim: number,
  sampled: readonly Int32Array[],
  tempDir: string,
): Promise<Collected> {
  const total = sampled.reduce((a, s) => a + s.length, 0);
  // the metrics need the rows they use in memory: a sample that is not reduced by PCA stays there
  const sample = await SampleMatrix.create(total, dim, tempDir, key, dim <= REDUCED_DIM ? Infinity : undefined);
  const norms = new Float64Array(total);
  const stats: FileStats[] = [];
  let at = 0;
  try {
    for (const [f, path] of paths.entries()) {
      const reader = await AnnDataReader.open(path);
      try {
        const node = await obsmArray(reader, key, dim);
        const s = emptyFileStats(basename(reader.path), dim);
        const rows = sampled[f]!;
        let next = 0;
        const step = Math.max(1, Math.floor(BLOCK_BYTES / (4 * dim) / node.chunkRows)) * node.chunkRows;
        // the next block is read (and decompressed off the main thread) while this one is checked
        const readFrom = (start: number) => {
          const p = node.read(start, Math.min(reader.nObs, start + step));
          p.catch(() => {}); // awaited below; a failure while this block is processed must not go unhandled
          return p;
        };
        let ahead = reader.nObs > 0 ? readFrom(0) : undefined;
        for (let start = 0; start < reader.nObs; start += step) {
          const stop = Math.min(reader.nObs, start + step);
          const data = await ahead!;
          ahead = stop < reader.nObs ? readFrom(stop) : undefined;
          const block = asFloat32(data, reader.path, key);
          if (block.length !== (stop - start) * dim)
            throw new InputError(`rows ${start}–${stop} read as ${block.length} values, not ${(stop - start) * dim}`, {
              file: reader.path,
              key: `obsm/${key}`,
            });
          addBlock(s, block, stop - start, dim);
          while (next < rows.length && rows[next]! < stop) {
            const o = (rows[next]! - start) * dim;
            let sq = 0;
            for (let j = 0; j < dim; j++) sq += block[o + j]! * block[o + j]!;
            norms[at++] = Math.sqrt(sq);
            await sample.append(block, o);
            next++;
          }
        }
        s.seen.clear();
        stats.push(s);
      } finally {
        reader.close();
      }
    }
    await sample.finish();
  } catch (err) {
    await sample.close();
    throw err;
  }
  return { sample, stats, norms };
}

async function obsmArray(reader: AnnDataReader, key: string, dim: number): Promise<ArrayNode> {
  const node = await reader.tree.get(`obsm/${key}`);
  if (node?.kind !== "array" || node.shape.length !== 2 || node.shape[0] !== reader.nObs || node.shape[1] !== dim)
    throw new InputError(`expected a ${reader.nObs} × ${dim} array`, { file: reader.path, key: `obsm/${key}` });
  return node;
}

function asFloat32(data: unknown, file: string, key: string): Float32Array {
  if (data instanceof Float32Array) return data;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView) && !(data instanceof BigInt64Array))
    return Float32Array.from(data as unknown as ArrayLike<number>);
  throw new InputError("is not a numeric array", { file, key: `obsm/${key}`, fix: "embeddings must be numbers" });
}
