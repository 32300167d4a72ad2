/**
 * gzip and zlib through node:zlib, which runs on the libuv thread pool: compression overlaps with the
 * next block's work. (numcodecs' own gzip/zlib are decode-only in zarrita.)
 */
import { promisify } from "node:util";
import type { ZlibOptions } from "node:zlib";
import { CodecError } from "../../errors.ts";
import type { Codec, CodecConfig } from "./codec.ts";

type ZlibCall = (bytes: Uint8Array, options: ZlibOptions, done: (err: Error | null, out: Buffer) => void) => void;

/** Builds a codec's `fromConfig` from one node:zlib compress/decompress pair. */
export function nodeZlibCodec(compress: ZlibCall, decompress: ZlibCall): (config: CodecConfig) => Codec {
  const compressAsync = promisify(compress),
    decompressAsync = promisify(decompress);
  return (config) => {
    const level = typeof config.level === "number" ? config.level : 1;
    return {
      encode: (bytes) => compressAsync(bytes, { level }),
      // a corrupt stream cannot inflate past the chunk's size: zlib stops at maxOutputLength
      decode: async (bytes, expectedBytes) => {
        const limit = expectedBytes === undefined ? {} : { maxOutputLength: Math.max(1, expectedBytes) };
        try {
          return await decompressAsync(bytes, limit);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "ERR_BUFFER_TOO_LARGE") throw err;
          throw new CodecError(`inflates past the chunk's ${expectedBytes} bytes`, { cause: err });
        }
      },
    };
  };
}
