/**
 * Writes an array row block after row block, in zarr v2 (one chunk file per `chunkRows` rows) or
 * zarr v3 (one shard per `chunkRows` rows, `innerRows` per inner chunk). Chunks span the trailing
 * dimensions whole. A short last chunk is padded with the fill value, as zarr does; in v3 the
 * inner chunks past the last row stay empty in the shard index. The chunks of one appended block
 * are encoded at once (node's zlib runs on libuv's thread pool: a block of 16 chunks takes about
 * one chunk's time on 16 cores); a shard's chunks are then written in order.
 */
import { ScembedError } from "../errors.ts";
import { allDone } from "./all-done.ts";
import { elementCount } from "./chunk-region.ts";
import type { CodecConfig } from "./codecs/registry.ts";
import { allocate, isNumericDtype, type ArrayData, type Dtype, type NumericArray } from "./dtype.ts";
import type { ZarrFormat } from "./zarr-node.ts";
import type { Attrs } from "./tree.ts";
import { ZarrV3ArrayWriter, type ShardWriter } from "./zarr-v3-writer.ts";
import { ZarrArrayWriter } from "./zarr-writer.ts";

export interface RowArraySpec {
  /** [rows, …trailing] */
  shape: number[];
  dtype: Dtype;
  /** rows per chunk file: a v2 chunk, a v3 shard */
  chunkRows: number;
  /** v3: rows per inner chunk, dividing `chunkRows` (default: `chunkRows`) */
  innerRows?: number;
  compressor?: CodecConfig | null;
  attrs?: Attrs;
}

export interface RowWriter {
  readonly rowsWritten: number;
  /**
   * `data`: the next `rows` rows, C order. Each block starts on a chunk boundary (v2) or inner
   * chunk boundary (v3) and covers whole chunks, or ends the array.
   */
  append(data: ArrayData, rows: number): Promise<void>;
  /** Closes an open shard; throws when rows are missing. */
  finish(): Promise<void>;
  /** Closes an open shard's file, after a failure; the caller removes the directory. */
  abort(): Promise<void>;
}

export async function createRowWriter(format: ZarrFormat, dir: string, spec: RowArraySpec): Promise<RowWriter> {
  const [nRows, ...rest] = spec.shape as [number, ...number[]];
  const unitRows = format === 2 ? spec.chunkRows : (spec.innerRows ?? spec.chunkRows);
  if (spec.chunkRows % unitRows !== 0)
    throw new Error(`inner chunks of ${unitRows} rows do not divide shards of ${spec.chunkRows}`);
  const rowSize = elementCount(rest);
  const trailingZeros = rest.map(() => 0);
  let write: (units: Unit[]) => Promise<void>;
  let close = async () => {};
  let abandon = async () => {};
  if (format === 2) {
    const array = await ZarrArrayWriter.create(dir, { ...spec, chunks: [spec.chunkRows, ...rest] });
    write = async (units) => {
      await allDone(units.map((u) => array.writeChunk([u.unit, ...trailingZeros], u.data as NumericArray | string[])));
    };
  } else {
    const array = await ZarrV3ArrayWriter.create(dir, {
      ...spec,
      chunks: [spec.chunkRows, ...rest],
      innerChunks: [unitRows, ...rest],
    });
    const perShard = spec.chunkRows / unitRows;
    let shard: { index: number; writer: ShardWriter } | undefined;
    close = async () => {
      await shard?.writer.close();
      shard = undefined;
    };
    abandon = async () => {
      await shard?.writer.abandon();
      shard = undefined;
    };
    write = async (units) => {
      const encoded = await allDone(units.map((u) => array.codecs.encode(pad(u.data, unitRows * rowSize, spec.dtype))));
      for (const [i, { unit, last }] of units.entries()) {
        const index = Math.floor(unit / perShard);
        if (shard?.index !== index) {
          await close();
          shard = { index, writer: await array.openShard([index, ...trailingZeros]) };
        }
        await shard.writer.writeEncoded(unit % perShard, encoded[i]!);
        if (last || unit % perShard === perShard - 1) await close();
      }
    };
  }
  let rowsWritten = 0;
  return {
    get rowsWritten() {
      return rowsWritten;
    },
    async append(data, rows) {
      if (
        rowsWritten % unitRows !== 0 ||
        (rows % unitRows !== 0 && rowsWritten + rows !== nRows) ||
        rowsWritten + rows > nRows
      ) {
        throw new Error(
          `a block of ${rows} rows at row ${rowsWritten} does not tile chunks of ${unitRows} rows (array of ${nRows})`,
        );
      }
      const units: Unit[] = [];
      for (let r = 0; r < rows; r += unitRows) {
        const n = Math.min(unitRows, rows - r);
        units.push({
          unit: (rowsWritten + r) / unitRows,
          data: rowsOf(data, r * rowSize, (r + n) * rowSize),
          last: rowsWritten + r + n === nRows,
        });
      }
      await write(units);
      rowsWritten += rows;
    },
    async finish() {
      await close();
      if (rowsWritten !== nRows)
        throw new ScembedError(`only ${rowsWritten} of ${nRows} rows were written`, { file: dir });
    },
    abort: () => abandon(),
  };
}

/** one chunk (v2) or inner chunk (v3) of an appended block: its number along the rows and its values */
interface Unit {
  unit: number;
  data: ArrayData;
  last: boolean;
}

/** Elements [from, to) of `data`, without a copy for typed arrays. */
function rowsOf(data: ArrayData, from: number, to: number): ArrayData {
  if (from === 0 && to === data.length) return data;
  return Array.isArray(data) ? data.slice(from, to) : (data.subarray(from, to) as NumericArray);
}

/** The chunk's `count` elements: `data`, then the fill value (0, false or ""). */
function pad(data: ArrayData, count: number, dtype: Dtype): ArrayData {
  if (data.length === count) return data;
  if (Array.isArray(data)) return [...data, ...new Array<string>(count - data.length).fill("")];
  if (!isNumericDtype(dtype)) throw new Error(`numbers given for a ${dtype} array`);
  const out = allocate(dtype, count);
  (out as unknown as { set(a: ArrayLike<unknown>): void }).set(data as ArrayLike<unknown>);
  return out;
}
