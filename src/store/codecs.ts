/**
 * zarr v2 compressors and the vlen-utf8 filter. Blosc, zstd and lz4 come from numcodecs (wasm);
 * gzip and zlib use node:zlib, which also encodes (numcodecs' own are decode-only in zarrita).
 */
import { gunzip, gzip, inflate, deflate } from "node:zlib";
import { promisify } from "node:util";
import Blosc from "numcodecs/blosc";
import Zstd from "numcodecs/zstd";
import LZ4 from "numcodecs/lz4";

export interface CompressorConfig {
  id: string;
  [option: string]: unknown;
}

export interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Uint8Array>;
}

const gzipAsync = promisify(gzip), gunzipAsync = promisify(gunzip);
const deflateAsync = promisify(deflate), inflateAsync = promisify(inflate);

const identity: BytesCodec = { encode: async (b) => b, decode: async (b) => b };

export function compressorFor(config: CompressorConfig | null): BytesCodec {
  if (config === null) return identity;
  const level = typeof config.level === "number" ? config.level : 1;
  switch (config.id) {
    case "blosc":
    case "zstd":
    case "lz4": {
      const ctor = config.id === "blosc" ? Blosc : config.id === "zstd" ? Zstd : LZ4;
      const codec = ctor.fromConfig(config as never);
      return {
        encode: async (b) => new Uint8Array(await codec.encode(b)),
        decode: async (b) => new Uint8Array(await codec.decode(b)),
      };
    }
    // node's zlib runs on the libuv thread pool: compression overlaps with the next block's work
    case "gzip":
      return { encode: (b) => gzipAsync(b, { level }), decode: (b) => gunzipAsync(b) };
    case "zlib":
      return { encode: (b) => deflateAsync(b, { level }), decode: (b) => inflateAsync(b) };
    default:
      throw new Error(`unsupported zarr compressor '${config.id}' (supported: blosc, zstd, lz4, gzip, zlib)`);
  }
}

/** numcodecs VLenUTF8: u32le item count, then per item u32le byte length + UTF-8 bytes. */
export function decodeVlenUtf8(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const decoder = new TextDecoder();
  const out = new Array<string>(n);
  let pos = 4;
  for (let i = 0; i < n; i++) {
    const len = view.getUint32(pos, true);
    pos += 4;
    out[i] = decoder.decode(bytes.subarray(pos, pos + len));
    pos += len;
  }
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
