/**
 * zarr v3 "transpose": stores a chunk with its axes permuted by `order` (encoded axis i is decoded
 * axis order[i]); [1, 0] stores a 2-d chunk column-major. Here it permutes fixed-size elements as
 * bytes: the reader adds the chunk's decoded `shape` and the element size `itemsize` to its config.
 */
import type { Codec, CodecConfig } from "./codec.ts";

export function fromConfig(config: CodecConfig): Codec {
  const shape = config.shape as number[] | undefined;
  const order = config.order as number[] | undefined;
  const itemsize = typeof config.itemsize === "number" ? config.itemsize : 1;
  if (!Array.isArray(shape) || !Array.isArray(order))
    throw new Error("transpose needs `order` (and the reader's chunk `shape`)");
  const sorted = [...order].sort((a, b) => a - b);
  if (order.length !== shape.length || sorted.some((v, i) => v !== i)) {
    throw new Error(`order ${JSON.stringify(order)} is not a permutation of the ${shape.length} axes`);
  }
  const identity = order.every((v, i) => v === i);
  return {
    encode: async (bytes) => (identity ? bytes : permute(bytes, shape, order, itemsize, "encode")),
    decode: async (bytes) => (identity ? bytes : permute(bytes, shape, order, itemsize, "decode")),
    preservesSize: true,
  };
}

/** Moves each element between the C-order layout of `shape` and that of the permuted shape. */
function permute(
  bytes: Uint8Array,
  shape: number[],
  order: number[],
  itemsize: number,
  way: "encode" | "decode",
): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== n * itemsize) return bytes; // the chain reports the wrong size
  const stored = order.map((axis) => shape[axis]!);
  // strides, in elements, of the stored layout, listed per decoded axis
  const storedStrides = new Array<number>(stored.length);
  for (let i = stored.length - 1, s = 1; i >= 0; i--) {
    storedStrides[order[i]!] = s;
    s *= stored[i]!;
  }
  const out = new Uint8Array(bytes.byteLength);
  const index = new Array<number>(shape.length).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let pos = 0;
    for (let d = 0; d < shape.length; d++) pos += index[d]! * storedStrides[d]!;
    const [from, to] = way === "decode" ? [pos, flat] : [flat, pos];
    out.set(bytes.subarray(from * itemsize, (from + 1) * itemsize), to * itemsize);
    for (let d = shape.length - 1; d >= 0 && ++index[d]! === shape[d]; d--) index[d] = 0;
  }
  return out;
}
