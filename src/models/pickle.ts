/**
 * A safe reader for Python pickles (protocols 2–5): it builds data, never runs code. Known
 * constructors are rebuilt (numpy arrays, dtypes and scalars, OrderedDict, sets); any other
 * class becomes an inert `PyObject` record of its name, arguments and state. Enough for
 * scikit-learn models, Geneformer dictionaries and PyTorch checkpoints (through `persistentLoad`).
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

export function readPickle(bytes: Uint8Array, opts: PickleOptions = {}): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder();
  let pos = 0;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const marks: number[] = [];
  const u8 = () => bytes[pos++]!;
  const u16 = () => {
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    const v = Number(view.getBigUint64(pos, true));
    pos += 8;
    return v;
  };
  const take = (n: number) => {
    const b = bytes.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const popMark = () => {
    const m = marks.pop()!;
    return stack.splice(m);
  };
  const top = () => stack[stack.length - 1];

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80:
        u8();
        break; // PROTO
      case 0x95:
        u64();
        break; // FRAME
      case 0x2e:
        return stack.pop(); // STOP
      case 0x28:
        marks.push(stack.length);
        break; // MARK
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x4a:
        stack.push(view.getInt32((pos += 4) - 4, true));
        break; // BININT
      case 0x4b:
        stack.push(u8());
        break; // BININT1
      case 0x4d:
        stack.push(u16());
        break; // BININT2
      case 0x8a:
        stack.push(readLong(take(u8())));
        break; // LONG1
      case 0x8b:
        stack.push(readLong(take(u32())));
        break; // LONG4
      case 0x47:
        stack.push(view.getFloat64((pos += 8) - 8, false));
        break; // BINFLOAT (big-endian)
      case 0x8c:
        stack.push(decoder.decode(take(u8())));
        break; // SHORT_BINUNICODE
      case 0x58:
        stack.push(decoder.decode(take(u32())));
        break; // BINUNICODE
      case 0x8d:
        stack.push(decoder.decode(take(u64())));
        break; // BINUNICODE8
      case 0x55:
        stack.push(latin1(take(u8())));
        break; // SHORT_BINSTRING
      case 0x54:
        stack.push(latin1(take(u32())));
        break; // BINSTRING
      case 0x43:
        stack.push(take(u8()));
        break; // SHORT_BINBYTES
      case 0x42:
        stack.push(take(u32()));
        break; // BINBYTES
      case 0x8e:
        stack.push(take(u64()));
        break; // BINBYTES8
      case 0x96:
        stack.push(take(u64()));
        break; // BYTEARRAY8
      case 0x7d:
        stack.push(new Map());
        break; // EMPTY_DICT
      case 0x5d:
        stack.push([]);
        break; // EMPTY_LIST
      case 0x29:
        stack.push([]);
        break; // EMPTY_TUPLE
      case 0x8f:
        stack.push(new Set());
        break; // EMPTY_SET
      case 0x74:
        stack.push(popMark());
        break; // TUPLE
      case 0x85:
        stack.push([stack.pop()]);
        break; // TUPLE1
      case 0x86: {
        const b = stack.pop(),
          a = stack.pop();
        stack.push([a, b]);
        break;
      } // TUPLE2
      case 0x87: {
        const c = stack.pop(),
          b = stack.pop(),
          a = stack.pop();
        stack.push([a, b, c]);
        break;
      } // TUPLE3
      case 0x6c:
        stack.push(popMark());
        break; // LIST
      case 0x61: {
        const v = stack.pop();
        (top() as unknown[]).push(v);
        break;
      } // APPEND
      case 0x65: {
        const items = popMark();
        (top() as unknown[]).push(...items);
        break;
      } // APPENDS
      case 0x64: {
        const items = popMark();
        stack.push(pairsToMap(items));
        break;
      } // DICT
      case 0x73: {
        const v = stack.pop(),
          k = stack.pop();
        setItem(top(), k, v);
        break;
      } // SETITEM
      case 0x75: {
        const items = popMark();
        for (let i = 0; i < items.length; i += 2) setItem(top(), items[i], items[i + 1]);
        break;
      } // SETITEMS
      case 0x90: {
        const items = popMark();
        for (const v of items) (top() as Set<unknown>).add(v);
        break;
      } // ADDITEMS
      case 0x91:
        stack.push(new Set(popMark()));
        break; // FROZENSET
      case 0x94:
        memo.set(memo.size, top());
        break; // MEMOIZE
      case 0x71:
        memo.set(u8(), top());
        break; // BINPUT
      case 0x72:
        memo.set(u32(), top());
        break; // LONG_BINPUT
      case 0x68:
        stack.push(memo.get(u8()));
        break; // BINGET
      case 0x6a:
        stack.push(memo.get(u32()));
        break; // LONG_BINGET
      case 0x63: {
        // GLOBAL "module\nname\n"
        const line = () => {
          const end = bytes.indexOf(0x0a, pos);
          const s = latin1(bytes.subarray(pos, end));
          pos = end + 1;
          return s;
        };
        const mod = line(),
          name = line();
        stack.push(new GlobalRef(`${mod}.${name}`));
        break;
      }
      case 0x93: {
        const name = stack.pop() as string,
          mod = stack.pop() as string;
        stack.push(new GlobalRef(`${mod}.${name}`));
        break;
      } // STACK_GLOBAL
      case 0x52: {
        const args = stack.pop() as unknown[],
          fn = stack.pop();
        stack.push(call(fn, args, opts));
        break;
      } // REDUCE
      case 0x81: {
        const args = stack.pop() as unknown[],
          cls = stack.pop();
        stack.push(call(cls, args, opts));
        break;
      } // NEWOBJ
      case 0x92: {
        stack.pop();
        const args = stack.pop() as unknown[],
          cls = stack.pop();
        stack.push(call(cls, args, opts));
        break;
      } // NEWOBJ_EX
      case 0x62: {
        const state = stack.pop();
        build(top(), state);
        break;
      } // BUILD
      case 0x51: {
        const pid = stack.pop();
        stack.push(opts.persistentLoad ? opts.persistentLoad(pid) : new PyObject("persistent", [pid]));
        break;
      } // BINPERSID
      default:
        throw new Error(`unsupported pickle opcode 0x${op.toString(16)} at byte ${pos - 1}`);
    }
  }
}

/** A class or function named in a pickle (never imported, never called). */
export class GlobalRef {
  constructor(readonly name: string) {}
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function pairsToMap(items: unknown[]): Map<unknown, unknown> {
  const m = new Map();
  for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
  return m;
}

function setItem(target: unknown, k: unknown, v: unknown): void {
  if (target instanceof Map) target.set(k, v);
  else if (target instanceof PyObject) {
    if (!(target.state instanceof Map)) target.state = new Map();
    (target.state as Map<unknown, unknown>).set(k, v);
  } else throw new Error("SETITEM on a non-dict");
}

function call(fn: unknown, args: unknown[], opts: PickleOptions): unknown {
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
function build(target: unknown, state: unknown): void {
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
