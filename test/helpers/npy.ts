/** Reads numpy .npy files (v1–3, little-endian, C order): the fixtures' only format. */
import { readFileSync } from "node:fs";

export interface Npy {
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;
}

export function readNpy(path: string): Npy {
  const buf = readFileSync(path);
  const major = buf[6]!;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString("latin1");
  const descr = /'descr':\s*'([^']+)'/.exec(header)![1]!;
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${path}: Fortran order is not supported`);
  const shape = /'shape':\s*\(([^)]*)\)/
    .exec(header)![1]!
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = buf.subarray(start + headerLen);
  const copy = new Uint8Array(body).buffer;
  const make: Record<string, () => Npy["data"]> = {
    "<f4": () => new Float32Array(copy),
    "<f8": () => new Float64Array(copy),
    "<i4": () => new Int32Array(copy),
    "<i8": () => new BigInt64Array(copy),
    "|u1": () => new Uint8Array(copy),
  };
  if (!make[descr]) throw new Error(`${path}: dtype ${descr} not supported`);
  return { shape, data: make[descr]!() };
}
