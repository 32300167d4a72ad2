/**
 * A safe reader for Python pickles (protocols 2–5): it builds data, never runs code. Known
 * constructors are rebuilt (numpy arrays, dtypes and scalars, OrderedDict, sets); any other
 * class becomes an inert `PyObject` record of its name, arguments and state. Enough for
 * scikit-learn models, Geneformer dictionaries and PyTorch checkpoints (through `persistentLoad`).
 */
import {
  build,
  call,
  GlobalRef,
  latin1,
  pairsToMap,
  PickleInput,
  PyObject,
  readLong,
  setItem,
  type PickleOptions,
} from "./pickle-objects.ts";

export { asNdArray, GlobalRef, PyObject, type NdArray, type PickleOptions } from "./pickle-objects.ts";

export function readPickle(bytes: Uint8Array, opts: PickleOptions = {}): unknown {
  const decoder = new TextDecoder();
  const input = new PickleInput(bytes);
  const { u8, u16, u32, u64, take } = input;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const marks: number[] = [];
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
        stack.push(input.i32());
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
        stack.push(input.f64BigEndian());
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
          const s = latin1(input.line());
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
        throw new Error(`unsupported pickle opcode 0x${op.toString(16)} at byte ${input.pos - 1}`);
    }
  }
}

/** A class or function named in a pickle (never imported, never called). */
