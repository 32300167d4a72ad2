/**
 * n-d chunk geometry for row reads: which chunks a row range touches, and the copy of the part of
 * a decoded chunk (C order) that falls in rows [start, stop) into the read's output (C order).
 */
import type { ArrayData } from "./dtype.ts";

const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);

export function elementCount(shape: readonly number[]): number {
  return product(shape);
}

/** C-order strides, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let d = shape.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d]!;
  }
  return strides;
}

/** Grid coordinates of every chunk of `chunkShape` that rows [start, stop) of `shape` touch, in C order. */
export function* chunksTouched(
  shape: readonly number[],
  chunkShape: readonly number[],
  start: number,
  stop: number,
): Generator<number[]> {
  if (shape.length === 0) {
    yield [];
    return;
  }
  const lo = shape.map((_, d) => (d === 0 ? Math.floor(start / chunkShape[0]!) : 0));
  const hi = shape.map((n, d) => Math.ceil((d === 0 ? stop : n) / chunkShape[d]!));
  if (lo.some((l, d) => l >= hi[d]!)) return;
  yield* gridRange(lo, hi);
}

/** Every coordinate in [lo, hi) per axis, last axis fastest. */
export function* gridRange(lo: readonly number[], hi: readonly number[]): Generator<number[]> {
  const at = [...lo];
  for (;;) {
    yield [...at];
    let d = at.length - 1;
    for (; d >= 0; d--) {
      if (++at[d]! < hi[d]!) break;
      at[d] = lo[d]!;
    }
    if (d < 0) return;
  }
}

/**
 * The C-order numbers, within the shard at grid `shardCoords`, of its inner chunks that hold at
 * least one element of the array (those past the array's edge are never written).
 */
export function innerChunksInBounds(
  shape: readonly number[],
  shardShape: readonly number[],
  innerShape: readonly number[],
  shardCoords: readonly number[],
): number[] {
  const perShard = shardShape.map((n, d) => n / innerShape[d]!);
  const hi = perShard.map((p, d) =>
    Math.min(p, Math.ceil((shape[d]! - shardCoords[d]! * shardShape[d]!) / innerShape[d]!)),
  );
  if (hi.some((h) => h <= 0)) return [];
  const strides = stridesOf(perShard);
  return [
    ...gridRange(
      perShard.map(() => 0),
      hi,
    ),
  ].map((at) => at.reduce((acc, c, d) => acc + c * strides[d]!, 0));
}

/** Copies the chunk at grid `coords` into `out`, which holds rows [start, stop) of an array of `shape`. */
export function copyChunkRows(
  chunk: ArrayData,
  chunkShape: readonly number[],
  coords: readonly number[],
  out: ArrayData,
  shape: readonly number[],
  start: number,
  stop: number,
): void {
  const n = shape.length;
  if (n === 0) {
    (out as unknown[])[0] = chunk[0];
    return;
  }
  const origin = coords.map((c, d) => c * chunkShape[d]!);
  const lo = origin.map((o, d) => Math.max(o, d === 0 ? start : 0));
  const hi = origin.map((o, d) => Math.min(o + chunkShape[d]!, d === 0 ? stop : shape[d]!));
  if (lo.some((l, d) => l >= hi[d]!)) return;
  const chunkStrides = stridesOf(chunkShape);
  const outStrides = stridesOf([stop - start, ...shape.slice(1)]);
  const run = hi[n - 1]! - lo[n - 1]!;
  const at = [...lo];
  for (;;) {
    let src = 0,
      dst = 0;
    for (let d = 0; d < n; d++) {
      src += (at[d]! - origin[d]!) * chunkStrides[d]!;
      dst += (at[d]! - (d === 0 ? start : 0)) * outStrides[d]!;
    }
    copyRun(chunk, src, out, dst, run);
    let d = n - 2;
    for (; d >= 0; d--) {
      if (++at[d]! < hi[d]!) break;
      at[d] = lo[d]!;
    }
    if (d < 0) return;
  }
}

function copyRun(src: ArrayData, from: number, dst: ArrayData, to: number, length: number): void {
  if (Array.isArray(src)) {
    for (let i = 0; i < length; i++) (dst as string[])[to + i] = src[from + i]!;
    return;
  }
  (dst as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(
    (src as unknown as { subarray(a: number, b: number): ArrayLike<unknown> }).subarray(from, from + length),
    to,
  );
}
