/**
 * numcodecs "vlen-utf8", zarr v2's filter for object arrays of strings: a little-endian uint32 item
 * count, then per item a uint32 byte length and its UTF-8 bytes.
 */
import { CodecError } from "../../errors.ts";

/** `expectedCount`: the chunk's element count; a count or a length that disagrees is a CodecError. */
export function decodeVlenUtf8(bytes: Uint8Array, expectedCount?: number): string[] {
  const fail = (what: string): never => {
    throw new CodecError(`vlen-utf8: ${what}`);
  };
  if (bytes.byteLength < 4) fail(`${bytes.byteLength} bytes, shorter than the 4-byte item count`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  if (expectedCount !== undefined && n !== expectedCount) fail(`${n} items, the chunk needs ${expectedCount}`);
  const decoder = new TextDecoder();
  const out = new Array<string>(n);
  let pos = 4;
  for (let i = 0; i < n; i++) {
    if (pos + 4 > bytes.byteLength) fail(`item ${i} of ${n} starts past the end (byte ${pos} of ${bytes.byteLength})`);
    const len = view.getUint32(pos, true);
    pos += 4;
    if (pos + len > bytes.byteLength) {
      fail(`item ${i} of ${n} ends past the end (byte ${pos + len} of ${bytes.byteLength})`);
    }
    out[i] = decoder.decode(bytes.subarray(pos, pos + len));
    pos += len;
  }
  if (pos !== bytes.byteLength) fail(`${bytes.byteLength - pos} bytes after the last item`);
  return out;
}

export function encodeVlenUtf8(values: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const parts = values.map((v) => encoder.encode(v));
  const total = 4 + parts.reduce((s, p) => s + 4 + p.byteLength, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, values.length, true);
  let pos = 4;
  for (const p of parts) {
    view.setUint32(pos, p.byteLength, true);
    out.set(p, pos + 4);
    pos += 4 + p.byteLength;
  }
  return out;
}
