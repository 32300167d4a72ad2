/**
 * Row softmax in WebAssembly SIMD (f32x4), in place, for the attention scores: per row the max,
 * then exp(x − max) as 2^k · p(f) (k = round(x·log2 e), p a degree-6 polynomial on
 * f ∈ [−½, ½], relative error ≈ 1e-7; x − max clamped at −87 so 2^k stays a normal float), summed
 * in four float32 lanes, then each value times 1 / sum. Rows are `w` floats wide (a multiple of
 * 4) and contiguous in the module's own memory, where the caller keeps its score matrix (the GEMMs
 * write into it directly). The module is assembled here byte by byte: no toolchain, no file.
 */

/** signed LEB128 */
const sleb = (v: number): number[] => {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && !(b & 0x40)) || (v === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const uleb = (v: number): number[] => {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return out;
};
const f32x4 = (x: number) => {
  const b = new Uint8Array(16);
  new DataView(b.buffer).setFloat32(0, x, true);
  b.copyWithin(4, 0, 4).copyWithin(8, 0, 8);
  return [0xfd, 0x0c, ...b];
};
const section = (id: number, bytes: number[]) => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string) => [...uleb(s.length), ...Buffer.from(s)];

// locals: 0 base, 1 m, 2 w (params); 3 row, 4 p, 5 end; 6 vm, 7 vs, 8 x, 9 k (v128)
const get = (i: number) => [0x20, i],
  set = (i: number) => [0x21, i];
const LOAD = [0xfd, 0x00, 4, 0],
  STORE = [0xfd, 0x0b, 4, 0];
const ADD = [0xfd, 0xe4, 1],
  SUB = [0xfd, 0xe5, 1],
  MUL = [0xfd, 0xe6, 1],
  MAX = [0xfd, 0xe9, 1];
const lane = (op: number, i: number) => [0xfd, op, i];
/** for p from base to end in steps of 16 bytes: body */
const eachVector = (body: number[]) => [
  ...get(0),
  ...set(4),
  0x02,
  0x40,
  0x03,
  0x40,
  ...get(4),
  ...get(5),
  0x4f,
  0x0d,
  1,
  ...body,
  ...get(4),
  0x41,
  16,
  0x6a,
  ...set(4),
  0x0c,
  0,
  0x0b,
  0x0b,
];
/** the four lanes of local v reduced with the scalar op */
const reduce = (v: number, op: number) => [
  ...get(v),
  ...lane(0x1f, 0),
  ...get(v),
  ...lane(0x1f, 1),
  op,
  ...get(v),
  ...lane(0x1f, 2),
  op,
  ...get(v),
  ...lane(0x1f, 3),
  op,
];
const C = [
  0.00015403530393381609, 0.0013333558146428443, 0.009618129107628477, 0.05550410866482158, 0.2402265069591007,
  0.6931471805599453,
];
const poly = [
  ...f32x4(C[0]!),
  ...C.slice(1).flatMap((c) => [...get(8), ...MUL, ...f32x4(c), ...ADD]),
  ...get(8),
  ...MUL,
  ...f32x4(1),
  ...ADD,
];

const body = [
  0x02,
  0x40,
  0x03,
  0x40,
  ...get(3),
  ...get(1),
  0x4f,
  0x0d,
  1,
  ...get(0),
  ...get(2),
  0x41,
  2,
  0x74,
  0x6a,
  ...set(5),
  // max
  ...f32x4(-3e38),
  ...set(6),
  ...eachVector([...get(6), ...get(4), ...LOAD, ...MAX, ...set(6)]),
  ...reduce(6, 0x97),
  0xfd,
  0x13,
  ...set(6),
  // exp and sum
  ...f32x4(0),
  ...set(7),
  ...eachVector([
    ...get(4),
    ...LOAD,
    ...get(6),
    ...SUB,
    ...f32x4(-87),
    ...MAX,
    ...f32x4(Math.LOG2E),
    ...MUL,
    ...set(8),
    ...get(8),
    0xfd,
    0x6a,
    ...set(9),
    ...get(8),
    ...get(9),
    ...SUB,
    ...set(8),
    ...poly,
    ...get(9),
    0xfd,
    0xf8,
    1,
    0x41,
    23,
    0xfd,
    0xab,
    1,
    0xfd,
    0xae,
    1,
    ...set(8),
    ...get(4),
    ...get(8),
    ...STORE,
    ...get(7),
    ...get(8),
    ...ADD,
    ...set(7),
  ]),
  // scale by 1 / sum
  0x43,
  ...new Uint8Array(Float32Array.of(1).buffer),
  ...reduce(7, 0x92),
  0x95,
  0xfd,
  0x13,
  ...set(7),
  ...eachVector([...get(4), ...get(4), ...LOAD, ...get(7), ...MUL, ...STORE]),
  ...get(5),
  ...set(0),
  ...get(3),
  0x41,
  1,
  0x6a,
  ...set(3),
  0x0c,
  0,
  0x0b,
  0x0b,
  0x0b,
];
const code = [...uleb(2), 3, 0x7f, 4, 0x7b, ...body];
const MODULE = Uint8Array.from([
  0x00,
  0x61,
  0x73,
  0x6d,
  1,
  0,
  0,
  0,
  ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]),
  ...section(3, [1, 0]),
  ...section(5, [1, 0, 1]),
  ...section(7, [2, ...name("softmax"), 0, 0, ...name("memory"), 2, 0]),
  ...section(10, [1, ...uleb(code.length), ...code]),
]);
void sleb;

export interface WasmSoftmax {
  /** a float view of the module's memory with room for n floats (grows it; earlier views go stale) */
  scratch(n: number): Float32Array;
  /** softmax of m rows of w floats (w a multiple of 4) at the start of the scratch, in place */
  rows(m: number, w: number): void;
}

let instance: WasmSoftmax | null | undefined;

/** the SIMD softmax, or null where WebAssembly SIMD is unavailable */
export function wasmSoftmax(): WasmSoftmax | null {
  if (instance !== undefined) return instance;
  try {
    const wasm = new WebAssembly.Instance(new WebAssembly.Module(MODULE));
    const memory = wasm.exports["memory"] as WebAssembly.Memory;
    const fn = wasm.exports["softmax"] as (base: number, m: number, w: number) => void;
    let view = new Float32Array(memory.buffer);
    instance = {
      scratch(n) {
        if (view.length < n || view.buffer !== memory.buffer) {
          const pages = Math.ceil((n * 4 - memory.buffer.byteLength) / 65536);
          if (pages > 0) memory.grow(pages);
          view = new Float32Array(memory.buffer);
        }
        return view;
      },
      rows: (m, w) => fn(0, m, w),
    };
  } catch {
    instance = null;
  }
  return instance;
}
