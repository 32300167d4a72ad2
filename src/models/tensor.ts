/** A named float32 weight tensor, as read from a checkpoint. */
export interface Tensor {
  shape: number[];
  data: Float32Array;
}

export type Weights = Map<string, Tensor>;

/** IEEE half and bfloat16 bits to float32. */
export function halfToFloat(bits: number): number {
  const s = bits & 0x8000 ? -1 : 1,
    e = (bits >> 10) & 0x1f,
    f = bits & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** `n` values of `dtype` as float32; aligned F32 bytes are viewed, not copied (read them, never write) */
export function toFloat32(dtype: string, bytes: Uint8Array, n: number): Float32Array {
  if (dtype === "F32" && bytes.byteLength !== 4 * n)
    throw new Error(`${bytes.byteLength} bytes hold no ${n} float32 values`);
  if (dtype === "F32" && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  switch (dtype) {
    case "F32":
      return new Float32Array(copy.buffer, 0, n);
    case "I64":
      return Float32Array.from(new BigInt64Array(copy.buffer, 0, n), Number);
    case "F64":
      return Float32Array.from(new Float64Array(copy.buffer, 0, n));
    case "F16": {
      const h = new Uint16Array(copy.buffer, 0, n);
      return Float32Array.from(h, halfToFloat);
    }
    case "BF16": {
      const h = new Uint16Array(copy.buffer, 0, n);
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = h[i]! << 16;
      return out;
    }
    default:
      throw new Error(`weights of dtype ${dtype} are not supported`);
  }
}
