/** Array element types as zarr v2 spells them, and the typed arrays that hold them. */
export type NumericDtype = "<f4" | "<f8" | "|i1" | "<i2" | "<i4" | "<i8" | "|u1" | "<u2" | "<u4" | "<u8" | "|b1";
export type Dtype = NumericDtype | "|O" | `<U${number}`;

export type NumericArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

/** What one read of an array returns: numbers, bigints or strings. */
export type ArrayData = NumericArray | string[];

const NUMERIC: Record<string, { bytes: number; make: (b: ArrayBuffer, o: number, n: number) => NumericArray }> = {
  "<f4": { bytes: 4, make: (b, o, n) => new Float32Array(b, o, n) },
  "<f8": { bytes: 8, make: (b, o, n) => new Float64Array(b, o, n) },
  "|i1": { bytes: 1, make: (b, o, n) => new Int8Array(b, o, n) },
  "<i2": { bytes: 2, make: (b, o, n) => new Int16Array(b, o, n) },
  "<i4": { bytes: 4, make: (b, o, n) => new Int32Array(b, o, n) },
  "<i8": { bytes: 8, make: (b, o, n) => new BigInt64Array(b, o, n) },
  "|u1": { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
  "<u2": { bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n) },
  "<u4": { bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n) },
  "<u8": { bytes: 8, make: (b, o, n) => new BigUint64Array(b, o, n) },
  "|b1": { bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n) },
};

/** Normalizes spellings such as "|u1" vs "<u1" and "|f4"; returns undefined for unsupported dtypes. */
export function normalizeDtype(raw: string): Dtype | undefined {
  if (raw === "|O") return "|O";
  if (/^[<|]U\d+$/.test(raw)) return `<U${Number(raw.slice(2))}`;
  const m = /^([<|=])([fiub])(\d)$/.exec(raw);
  if (!m) return undefined;
  const [, , kind, size] = m;
  const key = size === "1" ? `|${kind}1` : `<${kind}${size}`;
  return key in NUMERIC ? (key as Dtype) : undefined;
}

export function bytesPerElement(dtype: Dtype): number {
  if (dtype === "|O") throw new Error("vlen strings have no fixed element size");
  if (dtype.startsWith("<U")) return 4 * Number(dtype.slice(2));
  return NUMERIC[dtype]!.bytes;
}

export function isNumericDtype(dtype: Dtype): dtype is NumericDtype {
  return dtype in NUMERIC;
}

/** Views raw little-endian bytes as a typed array (copying when the bytes are misaligned). */
export function viewBytes(dtype: NumericDtype, bytes: Uint8Array): NumericArray {
  const { bytes: size, make } = NUMERIC[dtype]!;
  const n = Math.floor(bytes.byteLength / size);
  if (bytes.byteOffset % size === 0) return make(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  const copy = new Uint8Array(n * size);
  copy.set(bytes.subarray(0, n * size));
  return make(copy.buffer, 0, n);
}

export function allocate(dtype: NumericDtype, n: number): NumericArray {
  const { bytes, make } = NUMERIC[dtype]!;
  return make(new ArrayBuffer(n * bytes), 0, n);
}

/** The zarr dtype of a typed array, for writing. */
export function dtypeOf(data: NumericArray): NumericDtype {
  if (data instanceof Float32Array) return "<f4";
  if (data instanceof Float64Array) return "<f8";
  if (data instanceof Int8Array) return "|i1";
  if (data instanceof Int16Array) return "<i2";
  if (data instanceof Int32Array) return "<i4";
  if (data instanceof BigInt64Array) return "<i8";
  if (data instanceof Uint8Array) return "|u1";
  if (data instanceof Uint16Array) return "<u2";
  if (data instanceof Uint32Array) return "<u4";
  return "<u8";
}

/** Decodes fixed-width UTF-32LE strings ("<Un"). */
export function decodeFixedUnicode(bytes: Uint8Array, width: number): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.floor(bytes.byteLength / (4 * width));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    let s = "";
    for (let k = 0; k < width; k++) {
      const cp = view.getUint32((i * width + k) * 4, true);
      if (cp === 0) break;
      s += String.fromCodePoint(cp);
    }
    out.push(s);
  }
  return out;
}

export function encodeFixedUnicode(values: string[], width: number): Uint8Array {
  const out = new Uint8Array(values.length * width * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    let k = 0;
    for (const ch of v) {
      if (k >= width) break;
      view.setUint32((i * width + k) * 4, ch.codePointAt(0)!, true);
      k++;
    }
  });
  return out;
}
