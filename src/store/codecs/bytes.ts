/**
 * zarr v3 "bytes": the array→bytes codec of fixed-size types, elements in C order with the given
 * `endian`. Here it works on bytes: big-endian elements are swapped to and from little-endian,
 * the byte order of our typed arrays. The reader adds `itemsize` (the element size) to its config.
 */
import type { Codec, CodecConfig } from "./codec.ts";

export function fromConfig(config: CodecConfig): Codec {
  const endian = config.endian ?? "little";
  if (endian !== "little" && endian !== "big")
    throw new Error(`endian must be "little" or "big", not ${JSON.stringify(endian)}`);
  const itemsize = typeof config.itemsize === "number" ? config.itemsize : 1;
  const swap = endian === "big" && itemsize > 1;
  const convert = async (bytes: Uint8Array) => (swap ? swapBytes(bytes, itemsize) : bytes);
  return { encode: convert, decode: convert, preservesSize: true };
}

/** A copy with the bytes of every `itemsize`-byte element reversed. */
export function swapBytes(bytes: Uint8Array, itemsize: number): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  for (let i = 0; i + itemsize <= bytes.byteLength; i += itemsize) {
    for (let k = 0; k < itemsize; k++) out[i + k] = bytes[i + itemsize - 1 - k]!;
  }
  return out;
}
