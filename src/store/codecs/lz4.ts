/**
 * numcodecs "lz4" through numcodecs' wasm: a little-endian uint32 decoded size, then one LZ4 block.
 * The size is checked before decoding, so a corrupt one cannot ask for gigabytes.
 */
import LZ4 from "numcodecs/lz4";
import { CodecError } from "../../errors.ts";
import type { Codec, CodecConfig } from "./codec.ts";

export function fromConfig(config: CodecConfig): Codec {
  const codec = LZ4.fromConfig(config as Parameters<typeof LZ4.fromConfig>[0]);
  return {
    encode: async (bytes) => codec.encode(bytes),
    decode: async (bytes, expectedBytes) => {
      if (bytes.byteLength < 4) {
        throw new CodecError(`${bytes.byteLength} bytes, shorter than lz4's 4-byte size prefix`);
      }
      const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
      if (expectedBytes !== undefined && size !== expectedBytes) {
        throw new CodecError(`size prefix says ${size} bytes, the chunk needs ${expectedBytes}`);
      }
      try {
        return await codec.decode(bytes);
      } catch (err) {
        // the wasm hands back the decoder's negative status as an array length, which throws
        throw new CodecError("the LZ4 block does not decode (corrupt or truncated)", { cause: err });
      }
    },
  };
}
