/**
 * numcodecs "blosc" through numcodecs' c-blosc 1 wasm. Its decoder ignores blosc's status and returns
 * as many bytes as the header claims, however much of the chunk is missing: so the header and the block
 * table are checked here, against the chunk's length and the size the array needs, before decoding.
 * Not caught: altered compressed bytes behind an intact header and table (the wasm reports no status).
 */
import Blosc from "numcodecs/blosc";
import { CodecError } from "../../errors.ts";
import type { Codec, CodecConfig } from "./codec.ts";

export function fromConfig(config: CodecConfig): Codec {
  const codec = Blosc.fromConfig(config as Parameters<typeof Blosc.fromConfig>[0]);
  return {
    encode: async (bytes) => codec.encode(bytes),
    decode: async (bytes, expectedBytes) => {
      checkFrame(readBloscHeader(bytes), bytes, expectedBytes);
      return codec.decode(bytes);
    },
  };
}

export interface BloscHeader {
  version: number;
  flags: number;
  typesize: number;
  /** decoded size */
  nbytes: number;
  blocksize: number;
  /** compressed size, header included */
  cbytes: number;
}

const HEADER_BYTES = 16;
/** the newest frame format c-blosc 1 reads */
const MAX_VERSION = 2;
/** flags bit 1: the data follows the header uncompressed */
const MEMCPYED = 0x2;

export function readBloscHeader(bytes: Uint8Array): BloscHeader {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new CodecError(`${bytes.byteLength} bytes, shorter than blosc's ${HEADER_BYTES}-byte header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  return {
    version: view.getUint8(0),
    flags: view.getUint8(2),
    typesize: view.getUint8(3),
    nbytes: view.getUint32(4, true),
    blocksize: view.getUint32(8, true),
    cbytes: view.getUint32(12, true),
  };
}

/** The frame's sizes agree with each other, with the bytes at hand and with the decoded size needed. */
function checkFrame(h: BloscHeader, bytes: Uint8Array, expectedBytes: number | undefined): void {
  const fail = (what: string): never => {
    throw new CodecError(`header ${what}`);
  };
  if (h.version < 1 || h.version > MAX_VERSION) fail(`has format version ${h.version}, not 1–${MAX_VERSION}`);
  if (h.cbytes !== bytes.byteLength) fail(`says ${h.cbytes} bytes, the chunk has ${bytes.byteLength}`);
  if (expectedBytes !== undefined && h.nbytes !== expectedBytes) {
    fail(`says ${h.nbytes} decoded bytes, the chunk needs ${expectedBytes}`);
  }
  if (h.typesize === 0) fail("has typesize 0");
  if (h.flags & MEMCPYED) {
    if (h.cbytes !== HEADER_BYTES + h.nbytes) fail(`says stored uncompressed, yet ${h.cbytes} bytes hold ${h.nbytes}`);
    return;
  }
  if (h.nbytes === 0) return;
  if (h.blocksize === 0) fail("has block size 0");
  // after the header, one little-endian int32 per block: where its compressed data starts
  const nblocks = Math.ceil(h.nbytes / h.blocksize);
  const dataStart = HEADER_BYTES + 4 * nblocks;
  if (dataStart > h.cbytes) fail(`lists ${nblocks} block offsets, more than ${h.cbytes} bytes hold`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let b = 0; b < nblocks; b++) {
    const start = view.getUint32(HEADER_BYTES + 4 * b, true);
    if (start < dataStart || start >= h.cbytes) {
      fail(`says block ${b} starts at byte ${start}, outside [${dataStart}, ${h.cbytes})`);
    }
  }
}
