/** numcodecs "zstd" through numcodecs' wasm; a truncated or corrupt frame throws (the chain names it). */
import Zstd from "numcodecs/zstd";
import { CodecError } from "../../errors.ts";
import type { Codec, CodecConfig } from "./codec.ts";

export function fromConfig(config: CodecConfig): Codec {
  const codec = Zstd.fromConfig(config as Parameters<typeof Zstd.fromConfig>[0]);
  return {
    encode: async (bytes) => codec.encode(bytes),
    decode: async (bytes) => {
      try {
        return await codec.decode(bytes);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new CodecError(message.replace(/^std::runtime_error,zstd codec error: /, ""), { cause: err });
      }
    },
  };
}
