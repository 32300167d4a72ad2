/**
 * What the pickle reader builds: inert records of unknown classes (`PyObject`, `GlobalRef`), numpy
 * arrays and scalars, and the calls and state updates (`call`, `build`, `setItem`) the opcodes ask
 * for, limited to the constructors listed here.
 */
export class PyObject {
  constructor(
    readonly className: string,
    readonly args: unknown[] = [],
    public state: unknown = undefined,
  ) {}
  /** state as a record, for `__dict__`-style objects */
  get dict(): Record<string, unknown> {
    if (this.state instanceof Map) return Object.fromEntries(this.state);
    return (this.state ?? {}) as Record<string, unknown>;
  }
}

export interface NdArray {
  kind: "ndarray";
  dtype: string;
  shape: number[];
  fortran: boolean;
  data:
    | Float32Array
    | Float64Array
    | Int32Array
    | BigInt64Array
    | Int16Array
    | Int8Array
    | Uint8Array
    | Uint16Array
    | Uint32Array
    | BigUint64Array
    | unknown[];
}

export interface PickleOptions {
  /** resolves BINPERSID ids (PyTorch storages) */
  persistentLoad?: (pid: unknown) => unknown;
  /** builds objects for classes this reader does not know */
  construct?: (className: string, args: unknown[]) => unknown;
}

export class GlobalRef {
  constructor(readonly name: string) {}
}

export function pairsToMap(items: unknown[]): Map<unknown, unknown> {
  const m = new Map();
  for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
  return m;
}

export function setItem(target: unknown, k: unknown, v: unknown): void {
  if (target instanceof Map) target.set(k, v);
  else if (target instanceof PyObject) {
    if (!(target.state instanceof Map)) target.state = new Map();
    (target.state as Map<unknown, unknown>).set(k, v);
  } else throw new Error("SETITEM on a non-dict");
}

export function call(fn: unknown, args: unknown[], opts: PickleOptions): unknown {
  if (!(fn instanceof GlobalRef)) throw new Error("REDUCE on a non-callable");
  switch (fn.name) {
    case "collections.OrderedDict":
      return new Map();
    case "builtins.set":
    case "__builtin__.set":
    case "builtins.frozenset":
    case "__builtin__.frozenset":
      return new Set((args[0] as unknown[]) ?? []);
    case "__builtin__.bytes":
    case "builtins.bytes":
      return args.length === 0 ? new Uint8Array(0) : Uint8Array.from(String(args[0]), (c) => c.charCodeAt(0) & 0xff);
    case "_codecs.encode": // protocol 2 spells bytes as _codecs.encode(str, "latin1")
      return Uint8Array.from(String(args[0]), (c) => c.charCodeAt(0) & 0xff);
    case "builtins.bytearray":
      return args[0] ?? new Uint8Array(0);
    case "copyreg._reconstructor":
      return new PyObject((args[0] as GlobalRef).name);
    case "numpy.core.multiarray._reconstruct":
    case "numpy._core.multiarray._reconstruct":
      return new PyObject("numpy.ndarray");
    case "numpy.core.numeric._frombuffer": // protocol 5: (buffer, dtype, shape, order)
    case "numpy._core.numeric._frombuffer": {
      const [buf, dtype, shape, order] = args as [Uint8Array, PyObject, number[], string];
      const arr = new PyObject("numpy.ndarray");
      arr.state = decodeArray(shape, dtype, order === "F", buf);
      return arr;
    }
    case "numpy.dtype":
      return new PyObject("numpy.dtype", [args[0]]);
    case "numpy.core.multiarray.scalar":
    case "numpy._core.multiarray.scalar":
      return numpyScalar(args[0] as PyObject, args[1] as Uint8Array | string);
  }
  const built = opts.construct?.(fn.name, args);
  return built !== undefined ? built : new PyObject(fn.name, args);
}

/** BUILD: numpy arrays and dtypes get decoded; other objects keep their state. */
export function build(target: unknown, state: unknown): void {
  if (!(target instanceof PyObject)) return;
  if (target.className === "numpy.ndarray") {
    const [, shape, dtype, fortran, raw] = state as [number, number[], PyObject, boolean, Uint8Array | unknown[]];
    target.state = decodeArray(shape, dtype, fortran, raw);
    return;
  }
  if (target.className === "numpy.dtype") {
    const [, order] = state as [number, string];
    target.state = { order };
    return;
  }
  target.state = state;
}

function dtypeName(dtype: PyObject): string {
  const base = String(dtype.args[0]);
  const order = (dtype.state as { order?: string } | undefined)?.order ?? "<";
  if (order === ">") throw new Error(`big-endian numpy dtype ${base} is not supported`);
  return base;
}

const NUMPY: Record<string, (b: ArrayBuffer, n: number) => NdArray["data"]> = {
  f4: (b, n) => new Float32Array(b, 0, n),
  f8: (b, n) => new Float64Array(b, 0, n),
  i4: (b, n) => new Int32Array(b, 0, n),
  i8: (b, n) => new BigInt64Array(b, 0, n),
  i2: (b, n) => new Int16Array(b, 0, n),
  i1: (b, n) => new Int8Array(b, 0, n),
  u1: (b, n) => new Uint8Array(b, 0, n),
  b1: (b, n) => new Uint8Array(b, 0, n),
  u2: (b, n) => new Uint16Array(b, 0, n),
  u4: (b, n) => new Uint32Array(b, 0, n),
  u8: (b, n) => new BigUint64Array(b, 0, n),
};

function decodeArray(shape: number[], dtype: PyObject, fortran: boolean, raw: Uint8Array | unknown[]): NdArray {
  const name = dtypeName(dtype);
  const n = shape.reduce((a, b) => a * b, 1);
  if (Array.isArray(raw)) return { kind: "ndarray", dtype: name, shape, fortran, data: raw };
  const make = NUMPY[name];
  if (!make) throw new Error(`numpy dtype '${name}' is not supported`);
  const copy = new Uint8Array(raw.byteLength);
  copy.set(raw);
  return { kind: "ndarray", dtype: name, shape, fortran, data: make(copy.buffer, n) };
}

function numpyScalar(dtype: PyObject, raw: Uint8Array | string): number | bigint {
  const bytes = typeof raw === "string" ? Uint8Array.from(raw, (c) => c.charCodeAt(0)) : raw;
  const arr = decodeArray([1], dtype, false, bytes);
  return (arr.data as ArrayLike<number | bigint>)[0]!;
}

/** The decoded array of a pickled numpy.ndarray, or undefined. */
export function asNdArray(v: unknown): NdArray | undefined {
  return v instanceof PyObject && v.className === "numpy.ndarray" ? (v.state as NdArray) : undefined;
}

export function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

export function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The opcode stream: little-endian fields read in order (BINFLOAT alone is big-endian). */
export class PickleInput {
  pos = 0;
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  readonly u8 = (): number => this.bytes[this.pos++]!;
  readonly u16 = (): number => this.advance(2, (at) => this.view.getUint16(at, true));
  readonly u32 = (): number => this.advance(4, (at) => this.view.getUint32(at, true));
  readonly u64 = (): number => this.advance(8, (at) => Number(this.view.getBigUint64(at, true)));
  readonly i32 = (): number => this.advance(4, (at) => this.view.getInt32(at, true));
  readonly f64BigEndian = (): number => this.advance(8, (at) => this.view.getFloat64(at, false));
  readonly take = (n: number): Uint8Array => this.advance(n, (at) => this.bytes.subarray(at, at + n));
  /** up to the next newline, which is skipped */
  readonly line = (): Uint8Array => {
    const end = this.bytes.indexOf(0x0a, this.pos);
    return this.advance(end + 1 - this.pos, (at) => this.bytes.subarray(at, end));
  };
  private advance<T>(n: number, read: (at: number) => T): T {
    const value = read(this.pos);
    this.pos += n;
    return value;
  }
}
