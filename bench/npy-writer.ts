/** Writes numpy .npy files (v1, little-endian, C order), so the Python peers read our arrays. */
import { writeFileSync } from "node:fs";

const DESCR = new Map<string, string>([["Float32Array", "<f4"], ["Float64Array", "<f8"], ["Int32Array", "<i4"]]);

export function writeNpy(path: string, data: Float32Array | Float64Array | Int32Array, shape: readonly number[] = [data.length]): void {
  const descr = DESCR.get(data.constructor.name)!;
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - ((header.length + 10) % 64)) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}
