/**
 * A chain of codecs as zarr applies them: encode in the listed order, decode in reverse. Every decode
 * is checked against the size the chunk must have, so no codec can hand back short or padded bytes.
 */
import { CodecError } from "../../errors.ts";
import { checkCodecId, loadCodec, type Codec, type CodecConfig, type CodecOwner } from "./registry.ts";

export class CodecChain {
  private loaded?: Promise<Codec[]>;

  constructor(
    readonly configs: readonly CodecConfig[],
    private readonly owner: CodecOwner = {},
  ) {
    for (const config of configs) checkCodecId(config?.id, owner);
  }

  /** Loads each codec's file once; a rejected option is a CodecError naming the owner. */
  ready(): Promise<Codec[]> {
    this.loaded ??= Promise.all(this.configs.map((config) => loadCodec(config, this.owner)));
    return this.loaded;
  }

  async encode(bytes: Uint8Array): Promise<Uint8Array> {
    const codecs = await this.ready();
    let out = bytes;
    for (const [i, codec] of codecs.entries()) {
      try {
        out = await codec.encode(out);
      } catch (err) {
        const message = `${this.configs[i]!.id} cannot encode: ${(err as Error).message}`;
        throw new CodecError(message, { ...this.owner, cause: err });
      }
    }
    return out;
  }

  /**
   * `expectedBytes`: the chunk's array size (element size × element count), undefined for
   * variable-length items. Only the output of the first codec that changes sizes (and of those
   * before it, which keep sizes) is the array's bytes, so only they get the hint.
   * Errors name the codec; the caller, which knows the chunk, adds where.
   */
  async decode(bytes: Uint8Array, expectedBytes?: number): Promise<Uint8Array> {
    const codecs = await this.ready();
    const hinted = codecs.findIndex((codec) => !codec.preservesSize);
    let out = bytes;
    for (let i = codecs.length - 1; i >= 0; i--) {
      try {
        out = await codecs[i]!.decode(out, hinted === -1 || i <= hinted ? expectedBytes : undefined);
      } catch (err) {
        throw new CodecError(`${this.configs[i]!.id}: ${(err as Error).message}`, { cause: err });
      }
    }
    if (expectedBytes !== undefined && out.byteLength !== expectedBytes) {
      throw new CodecError(`decodes to ${out.byteLength} bytes, the chunk needs ${expectedBytes}`);
    }
    return out;
  }
}

/** zarr v2's `compressor`: one codec, or none. */
export function compressorFor(compressor: CodecConfig | null, owner: CodecOwner = {}): CodecChain {
  return new CodecChain(compressor === null ? [] : [compressor], owner);
}
