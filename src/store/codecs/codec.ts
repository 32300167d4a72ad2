/** What a codec is: one file per codec exports `fromConfig(config) → Codec` (see registry.ts). */

/** A codec's entry in zarr metadata: zarr v2's `compressor`, or one element of a filter/codec list. */
export interface CodecConfig {
  id: string;
  [option: string]: unknown;
}

/** Bytes to bytes. `encode` turns a chunk's array bytes into stored bytes, `decode` reverses it. */
export interface Codec {
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  /**
   * `expectedBytes`, given when the output is the chunk's array bytes, lets a codec refuse a header
   * that disagrees before it allocates; the chain checks the decoded length either way.
   */
  decode(bytes: Uint8Array, expectedBytes?: number): Promise<Uint8Array>;
  /** decoded and encoded sizes are equal (v3 `bytes`, `transpose`): the size hint passes through */
  readonly preservesSize?: boolean;
}

/** What every codec file exports. `fromConfig` throws when an option is out of range. */
export interface CodecModule {
  fromConfig(config: CodecConfig): Codec;
}
