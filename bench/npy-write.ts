/** Writes a 1-D or 2-D little-endian .npy (int32, int64 or float32) for the Python side of a benchmark. */
import { writeFileSync } from "node:fs";

export function writeNpy(path: string, data: Int32Array | BigInt64Array | Float32Array, shape: number[] = [data.length]): void {
  const descr = data instanceof Int32Array ? "<i4" : data instanceof BigInt64Array ? "<i8" : "<f4";
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
  const pre = Buffer.alloc(10);
  Buffer.from("\x93NUMPY", "latin1").copy(pre);
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([pre, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
