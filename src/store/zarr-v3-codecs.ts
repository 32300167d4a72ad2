/**
 * A zarr v3 chunk's codec list as one decode/encode step: [transpose?, bytes | vlen-utf8,
 * bytes→bytes…]. Each entry becomes a config of the codec registry (the v3 names zstd, gzip,
 * blosc, crc32c run the same files as zarr v2's codecs); the element size and chunk shape that
 * `bytes` and `transpose` need are added here.
 */
import { CodecError, ConfigError } from "../errors.ts";
import { CodecChain } from "./codecs/chain.ts";
import type { CodecConfig, CodecOwner } from "./codecs/registry.ts";
import { decodeVlenUtf8, encodeVlenUtf8 } from "./codecs/vlen-utf8.ts";
import {
  bytesPerElement,
  decodeFixedUnicode,
  encodeFixedUnicode,
  isNumericDtype,
  viewBytes,
  type ArrayData,
  type Dtype,
} from "./dtype.ts";
import type { NamedConfig } from "./zarr-v3-metadata.ts";

const BLOSC_SHUFFLE: Record<string, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/** A v3 codec entry as the registry's config. `numcodecs.<id>` (zarr-python's wrappers) maps to <id>. */
export function registryConfig(codec: NamedConfig, chunkShape: readonly number[], dtype: Dtype): CodecConfig {
  const config = codec.configuration ?? {};
  const itemsize = dtype === "|O" ? 1 : bytesPerElement(dtype);
  switch (codec.name) {
    case "bytes":
      // fixed-width strings are UTF-32 code points: their byte order is that of a 4-byte unit
      return { id: "bytes", endian: config.endian ?? "little", itemsize: dtype.startsWith("<U") ? 4 : itemsize };
    case "transpose":
      return { id: "transpose", order: config.order, shape: [...chunkShape], itemsize };
    case "zstd":
      return { id: "zstd", level: config.level ?? 0 };
    case "blosc":
      return {
        id: "blosc",
        cname: config.cname ?? "lz4",
        clevel: config.clevel ?? 5,
        shuffle: BLOSC_SHUFFLE[String(config.shuffle ?? "noshuffle")] ?? 0,
        blocksize: config.blocksize ?? 0,
      };
    default:
      return {
        ...config,
        id: codec.name.startsWith("numcodecs.") ? codec.name.slice("numcodecs.".length) : codec.name,
      };
  }
}

export class ChunkCodecs {
  private readonly chain: CodecChain;
  private readonly strings: boolean;

  constructor(
    codecs: readonly NamedConfig[],
    chunkShape: readonly number[],
    private readonly dtype: Dtype,
    owner: CodecOwner,
  ) {
    this.strings = codecs.some((c) => c.name === "vlen-utf8");
    if (this.strings !== (dtype === "|O")) {
      throw new CodecError(
        `data type ${dtype === "|O" ? "string needs" : `${dtype} cannot use`} the vlen-utf8 codec`,
        owner,
      );
    }
    if (this.strings && codecs.some((c) => c.name === "transpose" && !isIdentity(c))) {
      throw new CodecError("a transposed string array is not supported", {
        ...owner,
        fix: "rewrite the array without the transpose codec",
      });
    }
    const chained = codecs.filter((c) => c.name !== "vlen-utf8" && !(this.strings && c.name === "transpose"));
    this.chain = new CodecChain(
      chained.map((c) => registryConfig(c, chunkShape, dtype)),
      owner,
    );
  }

  /** Loads the codecs; a rejected option is the array's fault, reported before any chunk. */
  async ready(): Promise<void> {
    await this.chain.ready();
  }

  /** `count` elements: the chunk's size, which the decoded bytes must match exactly. */
  async decode(raw: Uint8Array, count: number): Promise<ArrayData> {
    if (this.strings) return decodeVlenUtf8(await this.chain.decode(raw), count);
    const bytes = await this.chain.decode(raw, count * bytesPerElement(this.dtype));
    if (this.dtype.startsWith("<U")) return decodeFixedUnicode(bytes, Number(this.dtype.slice(2)));
    return viewBytes(this.dtype as Parameters<typeof viewBytes>[0], bytes);
  }

  /** `data` holds exactly the chunk's elements in C order. */
  async encode(data: ArrayData): Promise<Uint8Array> {
    if (Array.isArray(data)) {
      const bytes = this.strings ? encodeVlenUtf8(data) : encodeFixedUnicode(data, Number(this.dtype.slice(2)));
      return this.chain.encode(bytes);
    }
    if (!isNumericDtype(this.dtype)) throw new Error(`numbers given for a ${this.dtype} array`);
    return this.chain.encode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
}

function isIdentity(codec: NamedConfig): boolean {
  const order = codec.configuration?.order;
  return Array.isArray(order) && order.every((v, i) => v === i);
}

/**
 * Our `compressor` option (numcodecs style, {id, level…}) as a v3 codec entry, for writing. Only
 * codecs every zarr v3 reader knows (the spec's gzip, zstd, blosc) are written.
 */
export function compressorToV3(compressor: CodecConfig | null, itemsize: number): NamedConfig[] {
  if (compressor === null) return [];
  const { id, ...options } = compressor;
  switch (id) {
    case "gzip":
      return [{ name: "gzip", configuration: { level: options.level ?? 1 } }];
    case "zstd":
      return [{ name: "zstd", configuration: { level: options.level ?? 0, checksum: false } }];
    case "blosc": {
      const shuffle = Object.keys(BLOSC_SHUFFLE).find((k) => BLOSC_SHUFFLE[k] === (options.shuffle ?? 1)) ?? "shuffle";
      const configuration = {
        cname: options.cname ?? "lz4",
        clevel: options.clevel ?? 5,
        shuffle,
        typesize: itemsize,
        blocksize: options.blocksize ?? 0,
      };
      return [{ name: "blosc", configuration }];
    }
    default:
      throw new ConfigError(`compressor '${id}' has no zarr v3 codec`, {
        fix: "use gzip, zstd or blosc for zarr v3 output, or set output_zarr_format: 2",
      });
  }
}
