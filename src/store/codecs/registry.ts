/**
 * The codec registry: one file per codec, each exporting `fromConfig(config) → Codec`. A codec's file
 * loads on first use (blosc and zstd carry about 0.7 MB of wasm each), so an unused codec costs nothing.
 * A new codec is one file here and one line in CODECS. zarr v3 names its codecs the same way
 * (`zstd`, `gzip`, `blosc`); zarr-v3-codecs.ts turns a v3 entry into the config these files take.
 */
import { CodecError, type ErrorContext } from "../../errors.ts";
import type { Codec, CodecConfig, CodecModule } from "./codec.ts";

export type { Codec, CodecConfig, CodecModule } from "./codec.ts";

const CODECS = new Map<string, () => Promise<CodecModule>>([
  ["blosc", () => import("./blosc.ts")],
  ["bytes", () => import("./bytes.ts")],
  ["crc32c", () => import("./crc32c.ts")],
  ["gzip", () => import("./gzip.ts")],
  ["lz4", () => import("./lz4.ts")],
  ["transpose", () => import("./transpose.ts")],
  ["zlib", () => import("./zlib.ts")],
  ["zstd", () => import("./zstd.ts")],
]);

/** The array (file, key) a codec belongs to, for the errors about its configuration. */
export type CodecOwner = Pick<ErrorContext, "file" | "key">;

export function codecIds(): string[] {
  return [...CODECS.keys()];
}

/** Synchronous, so a reader refuses an unknown codec when it opens the array, before any chunk is read. */
export function checkCodecId(id: unknown, owner: CodecOwner = {}): void {
  if (typeof id === "string" && CODECS.has(id)) return;
  throw new CodecError(`unknown codec '${String(id)}'`, {
    ...owner,
    fix: `use one of the codecs scembed reads and writes: ${codecIds().join(", ")}`,
  });
}

/** Loads the codec's file and builds the codec from its config. */
export async function loadCodec(config: CodecConfig, owner: CodecOwner = {}): Promise<Codec> {
  checkCodecId(config.id, owner);
  const module = await CODECS.get(config.id)!();
  try {
    return module.fromConfig(config);
  } catch (err) {
    throw new CodecError(`codec ${JSON.stringify(config)}: ${(err as Error).message}`, {
      ...owner,
      fix: "give the codec options its numcodecs class accepts (see the numcodecs documentation)",
      cause: err,
    });
  }
}
