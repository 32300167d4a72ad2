/**
 * Where a chunked HDF5 dataset's chunks lie in the file: its object header (v1 or v2, following
 * continuation blocks) gives the Data Layout message, whose chunk index is walked to a list of
 * (chunk offset, address, stored size, filter mask). Read this way because h5wasm exposes neither
 * H5Dread_chunk nor H5Dget_chunk_info (see h5-filtered-array.ts). Chunk indexes read: the
 * version 1 B-tree (layout message v3, what h5py writes with its default libver "earliest") and
 * the single-chunk index (layout v4); the other v4 indexes are refused by name.
 */
import { InputError } from "../errors.ts";
import { Cursor, type RawFile } from "./h5-raw-file.ts";

export interface ChunkEntry {
  /** element offset of the chunk's corner, per dimension */
  offset: number[];
  address: number;
  /** stored (filtered) bytes */
  size: number;
  /** bit i set: filter i of the pipeline was skipped for this chunk */
  filterMask: number;
}

export interface ChunkIndex {
  chunk: number[];
  elementSize: number;
  entries: ChunkEntry[];
}

const LAYOUT_MESSAGE = 0x08;
const CONTINUATION_MESSAGE = 0x10;
const V4_INDEXES = ["", "single chunk", "implicit", "fixed array", "extensible array", "version 2 B-tree"];

/** The chunk index of the dataset whose object header is at `header`; `rank` is the dataset's rank. */
export function readChunkIndex(file: RawFile, header: number, rank: number, key: string): ChunkIndex {
  const layout = headerMessages(file, header).find((m) => m.type === LAYOUT_MESSAGE);
  if (!layout) throw new InputError("the dataset's object header has no layout message", { file: file.path, key });
  const c = layout.body;
  const version = c.u8();
  const cls = version >= 3 ? c.u8() : -1;
  if (version < 3 || version > 4)
    throw new InputError(`HDF5 layout message version ${version} is not read here`, {
      file: file.path,
      key,
      fix: "re-save the file with gzip compression",
    });
  if (cls !== 2)
    throw new InputError(`a filtered dataset must be chunked (layout class ${cls})`, { file: file.path, key });
  const flags = version === 4 ? c.u8() : 0;
  const ndims = c.u8();
  if (ndims !== rank + 1)
    throw new InputError(`layout has ${ndims - 1} chunk dimensions for a rank-${rank} dataset`, {
      file: file.path,
      key,
    });
  // v3: B-tree address, then 4-byte dimensions; v4: the dimensions' byte width, then dimensions
  const btree = version === 3 ? c.offset() : -1;
  const width = version === 4 ? c.u8() : 4;
  const dims = Array.from({ length: ndims }, () => c.uint(width));
  const chunk = dims.slice(0, rank);
  const elementSize = dims[rank]!;
  if (version === 3) {
    const entries: ChunkEntry[] = [];
    if (btree !== -1) walkBTree(file, btree, ndims, -1, entries, key);
    return { chunk, elementSize, entries };
  }
  const indexType = c.u8();
  if (indexType !== 1) {
    throw new InputError(
      `HDF5 chunk index '${V4_INDEXES[indexType] ?? indexType}' (written with libver 'latest') is not read here for LZF data`,
      {
        file: file.path,
        key,
        fix: "re-save the file with h5py's default libver, or with gzip compression: adata.write_h5ad(path, compression='gzip')",
      },
    );
  }
  const filtered = (flags & 2) !== 0;
  const size = filtered ? c.length() : chunk.reduce((a, b) => a * b, elementSize);
  const filterMask = filtered ? c.u32() : 0;
  const address = c.offset();
  return {
    chunk,
    elementSize,
    entries: address === -1 ? [] : [{ offset: chunk.map(() => 0), address, size, filterMask }],
  };
}

/** Raw-data B-tree (version 1, node type 1): keys are (chunk size, filter mask, offsets). */
function walkBTree(file: RawFile, address: number, ndims: number, level: number, out: ChunkEntry[], key: string): void {
  const headSize = 8 + 2 * file.offsetSize;
  const head = file.cursor(address, headSize);
  const sig = head.signature();
  const type = head.u8();
  const nodeLevel = head.u8();
  const used = head.u16();
  if (sig !== "TREE" || type !== 1 || (level >= 0 && nodeLevel !== level)) {
    throw new InputError(`damaged chunk B-tree node at address ${address}`, {
      file: file.path,
      key,
      fix: "the file is corrupt; re-create it",
    });
  }
  const keySize = 8 + 8 * ndims;
  const c = file.cursor(address + headSize, (used + 1) * keySize + used * file.offsetSize);
  for (let i = 0; i < used; i++) {
    const size = c.u32();
    const filterMask = c.u32();
    const offset = Array.from({ length: ndims }, () => c.uint(8)).slice(0, ndims - 1);
    const child = c.offset();
    if (nodeLevel === 0) out.push({ offset, address: child, size, filterMask });
    else walkBTree(file, child, ndims, nodeLevel - 1, out, key);
  }
}

interface Message {
  type: number;
  body: Cursor;
}

/** The messages of an object header, version 1 or 2, with its continuation blocks. */
function headerMessages(file: RawFile, address: number): Message[] {
  const prefix = file.cursor(address, Math.min(40, file.size - file.base - address));
  const v2 = prefix.signature() === "OHDR";
  const blocks: { at: number; length: number }[] = [];
  let creationOrder = false;
  if (v2) {
    prefix.skip(1); // version 2
    const flags = prefix.u8();
    creationOrder = (flags & 0x04) !== 0;
    if (flags & 0x20) prefix.skip(16);
    if (flags & 0x10) prefix.skip(4);
    const size = prefix.uint(1 << (flags & 3));
    blocks.push({ at: address + prefix.pos, length: size });
  } else {
    prefix.pos = 0;
    if (prefix.u8() !== 1) throw new InputError(`no object header at address ${address}`, { file: file.path });
    prefix.skip(7);
    blocks.push({ at: address + 16, length: prefix.u32() });
  }
  const out: Message[] = [];
  for (let b = 0; b < blocks.length && b < 1000; b++) {
    const { at, length } = blocks[b]!;
    const c = file.cursor(at, length);
    const headerSize = v2 ? (creationOrder ? 6 : 4) : 8;
    while (c.remaining >= headerSize) {
      const type = v2 ? c.u8() : c.u16();
      const size = c.u16();
      c.skip(v2 ? 1 + (creationOrder ? 2 : 0) : 4);
      if (size > c.remaining) break;
      const body = new Cursor(c.bytes.subarray(c.pos, c.pos + size), file.offsetSize, file.lengthSize);
      c.skip(size);
      if (type === CONTINUATION_MESSAGE) {
        const next = body.offset();
        const len = body.length();
        // a v2 continuation block is "OCHK", the messages, then a 4-byte checksum
        blocks.push(v2 ? { at: next + 4, length: len - 8 } : { at: next, length: len });
      } else out.push({ type, body });
    }
  }
  return out;
}
