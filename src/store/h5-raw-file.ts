/**
 * Byte-level reads of an HDF5 file, beside h5wasm: the superblock's address and length sizes, and a
 * little-endian cursor for parsing the structures (object headers, B-trees, heaps) that locate a
 * dataset's chunks. Only what reading LZF chunks needs (see h5-chunk-index.ts); the HDF5 File
 * Format Specification 3.0 is the reference for every layout below.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { InputError } from "../errors.ts";

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export class RawFile {
  private fd: number | undefined;
  readonly size: number;
  /** the superblock's base address: every address in the file is relative to it */
  readonly base: number;
  readonly offsetSize: number;
  readonly lengthSize: number;
  /** where the superblock says the file ends (relative to the base address) */
  readonly endOfFile: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
    const sb = this.findSuperblock();
    const version = sb[8]!;
    if (version <= 1) {
      this.offsetSize = sb[13]!;
      this.lengthSize = sb[14]!;
      const c = new Cursor(sb, this.offsetSize, this.lengthSize, version === 0 ? 24 : 28);
      this.base = c.offset();
      c.offset(); // the free-space info
      this.endOfFile = c.offset();
    } else if (version <= 3) {
      this.offsetSize = sb[9]!;
      this.lengthSize = sb[10]!;
      const c = new Cursor(sb, this.offsetSize, this.lengthSize, 12);
      this.base = c.offset();
      c.offset(); // the superblock extension
      this.endOfFile = c.offset();
    } else {
      throw new InputError(`HDF5 superblock version ${version} is not known here`, { file: path });
    }
  }

  /** `length` bytes at file address `address` (relative to the base address). */
  read(address: number, length: number): Uint8Array {
    const at = this.base + address;
    if (this.fd === undefined) throw new Error("file is closed");
    if (at < 0 || length < 0 || at + length > this.size) {
      throw new InputError(
        `HDF5 structure at address ${address} (+${length} bytes) lies outside the file (${this.size} bytes)`,
        { file: this.path, fix: "the file is truncated or corrupt" },
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, at + done);
      if (n === 0) break;
      done += n;
    }
    return out;
  }

  cursor(address: number, length: number): Cursor {
    return new Cursor(this.read(address, length), this.offsetSize, this.lengthSize);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The superblock sits at 0, 512, 1024, 2048, … (after a user block). */
  private findSuperblock(): Uint8Array {
    for (let at = 0; at + 48 <= this.size; at = at === 0 ? 512 : at * 2) {
      const head = new Uint8Array(48);
      readSync(this.fd!, head, 0, 48, at);
      if (SIGNATURE.every((b, i) => head[i] === b)) return head;
    }
    throw new InputError("not an HDF5 file: no HDF5 superblock found", {
      file: this.path,
      fix: "give an .h5ad written by anndata (or a zarr store); if it is one, it is damaged: copy it again from its source",
    });
  }
}

/** Reads little-endian fields in order. Addresses of all ones ("undefined") read as -1. */
export class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    readonly offsetSize: number,
    readonly lengthSize: number,
    public pos = 0,
  ) {}

  u8(): number {
    return this.uint(1);
  }
  u16(): number {
    return this.uint(2);
  }
  u32(): number {
    return this.uint(4);
  }
  /** an unsigned integer of `size` bytes (up to 8; exact below 2^53) */
  uint(size: number): number {
    if (this.pos + size > this.bytes.length)
      throw new RangeError(`reading ${size} bytes at ${this.pos} of ${this.bytes.length}`);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.bytes[this.pos + k]!;
    this.pos += size;
    return v;
  }
  /** an address; -1 when undefined (all bits set) */
  offset(): number {
    const undefinedAddress = this.bytes.subarray(this.pos, this.pos + this.offsetSize).every((b) => b === 0xff);
    const v = this.uint(this.offsetSize);
    return undefinedAddress ? -1 : v;
  }
  length(): number {
    return this.uint(this.lengthSize);
  }
  signature(): string {
    const s = String.fromCharCode(...this.bytes.subarray(this.pos, this.pos + 4));
    this.pos += 4;
    return s;
  }
  skip(n: number): void {
    this.pos += n;
  }
  get remaining(): number {
    return this.bytes.length - this.pos;
  }
}
