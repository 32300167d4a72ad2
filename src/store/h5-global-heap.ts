/**
 * Variable-length strings of a dataset read from its raw chunks: each element is a 4-byte length
 * and a global heap ID (collection address, object index); the string's bytes live in that
 * global heap collection ("GCOL"). Collections are cached for one read only, so memory stays
 * bounded by the rows asked for.
 */
import { InputError } from "../errors.ts";
import type { Cursor, RawFile } from "./h5-raw-file.ts";

export class GlobalHeap {
  private readonly collections = new Map<number, Map<number, Uint8Array>>();

  constructor(private readonly file: RawFile) {}

  /** The bytes of object `index` of the collection at `address`. */
  object(address: number, index: number): Uint8Array {
    let objects = this.collections.get(address);
    if (!objects) {
      objects = this.load(address);
      this.collections.set(address, objects);
    }
    const bytes = objects.get(index);
    if (!bytes)
      throw new InputError(`global heap collection at ${address} has no object ${index}`, {
        file: this.file.path,
        fix: "the file is corrupt; re-create it",
      });
    return bytes;
  }

  private load(address: number): Map<number, Uint8Array> {
    const lengthSize = this.file.lengthSize;
    const head = this.file.cursor(address, 8 + lengthSize);
    if (head.signature() !== "GCOL")
      throw new InputError(`no global heap collection at address ${address}`, {
        file: this.file.path,
        fix: "the file is corrupt; re-create it",
      });
    head.skip(4); // version, reserved
    const c = this.file.cursor(address, head.length());
    c.pos = 8 + lengthSize;
    const objects = new Map<number, Uint8Array>();
    while (c.remaining >= 8 + lengthSize) {
      const index = c.u16();
      if (index === 0) break; // the free space object ends the used part
      c.skip(6); // reference count, reserved
      const size = c.length();
      if (size > c.remaining) break;
      objects.set(index, c.bytes.subarray(c.pos, c.pos + size));
      c.skip(Math.ceil(size / 8) * 8);
    }
    return objects;
  }
}

/** Decodes `n` vlen-string records (length, collection address, index) from `c`. */
export function readVlenStrings(c: Cursor, n: number, heap: GlobalHeap, decoder: TextDecoder): string[] {
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const length = c.u32();
    const address = c.offset();
    const index = c.u32();
    out[i] = length === 0 || address <= 0 ? "" : decoder.decode(heap.object(address, index).subarray(0, length));
  }
  return out;
}
