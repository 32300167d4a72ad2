/**
 * zarr v3 "crc32c": the chunk's bytes followed by their CRC-32C (Castagnoli, as google_crc32c
 * computes it) in 4 little-endian bytes. Decoding verifies the checksum and strips it.
 */
import { CodecError } from "../../errors.ts";
import type { Codec } from "./codec.ts";

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32c(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function appendCrc32c(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength + 4);
  out.set(bytes);
  new DataView(out.buffer).setUint32(bytes.byteLength, crc32c(bytes), true);
  return out;
}

/** The bytes before the checksum; a CodecError when they are too short or the checksum differs. */
export function stripCrc32c(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 4) throw new CodecError(`${bytes.byteLength} bytes, shorter than the 4-byte crc32c checksum`);
  const body = bytes.subarray(0, bytes.byteLength - 4);
  const stored = new DataView(bytes.buffer, bytes.byteOffset + body.byteLength, 4).getUint32(0, true);
  const computed = crc32c(body);
  if (stored !== computed) {
    throw new CodecError(`crc32c checksum mismatch: stored ${hex(stored)}, computed ${hex(computed)}`);
  }
  return body;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

export function fromConfig(): Codec {
  return {
    encode: async (bytes) => appendCrc32c(bytes),
    decode: async (bytes) => stripCrc32c(bytes),
  };
}
