/** Writes numpy .npy files (v1, little-endian, C order), so the Python peers read our arrays. */
import { writeFileSync } from "node:fs";

type NpyData = Float32Array | Float64Array | Int32Array | BigInt64Array;

function descrOf(data: NpyData): string {
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  return data instanceof Int32Array ? "<i4" : "<i8";
}

export function writeNpy(path: string, data: NpyData, shape: readonly number[] = [data.length]): void {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descrOf(data)}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - ((header.length + 10) % 64)) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(
    path,
    Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]),
  );
}
