/**
 * The Device on the CPU at BLAS speed: linear layers as one sgemm each (OpenBLAS through
 * native-blas.ts, its own threads; a blocked TypeScript kernel without it), attention as blocked
 * GEMMs per (sequence, head) with a block × T score scratch (cpu-attention.ts), LayerNorm with
 * the residual fused, bias + activation in one pass. Non-GEMM work runs on the calling thread
 * only, so the cores are OpenBLAS's threads (OPENBLAS_NUM_THREADS, or SCEMBED_CPU_THREADS)
 * plus this one between GEMMs, never both busy at once. cpu-device.ts stays its oracle.
 */
import { addResidual, biasActivation } from "./cpu-activation.ts";
import { attentionForward } from "./cpu-attention.ts";
import { cpuGemm } from "./cpu-gemm.ts";
import { layerNormRows } from "./cpu-layernorm.ts";
import type { Activation, Device, DTensor } from "./device.ts";

class FastTensor implements DTensor {
  constructor(
    readonly shape: readonly number[],
    readonly data: Float32Array,
  ) {}
}

const t = (x: DTensor) => (x as FastTensor).data;
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const rows = (x: DTensor) => size(x.shape.slice(0, -1));
const last = (x: DTensor) => x.shape[x.shape.length - 1]!;

/** freed buffers kept for reuse (a forward pass allocates the same few shapes batch after batch) */
const KEEP = 16;

export class FastCpuDevice implements Device {
  readonly name = "cpu";
  /** where the GEMM comes from: "OpenBLAS (…)" or "TypeScript" */
  readonly gemmSource: string;
  private readonly gemm;
  private readonly spare: Float32Array[] = [];
  /** buffers made by alloc (only these are recycled: uploaded weights may share a file's buffer) */
  private readonly owned = new WeakSet<FastTensor>();
  private scores = new Float32Array(0);

  /** `useBlas` false: the TypeScript GEMM even when OpenBLAS is found (tests) */
  constructor(useBlas = true) {
    const g = cpuGemm(useBlas);
    this.gemm = g.gemm;
    this.gemmSource = g.source;
  }

  upload(data: Float32Array, shape: number[]): DTensor {
    return new FastTensor(shape, data);
  }
  download(x: DTensor): Float32Array {
    return t(x);
  }
  alloc(shape: number[]): DTensor {
    const n = size(shape);
    // a spare buffer at most twice the size needed, the smallest such
    let best = -1;
    this.spare.forEach((b, i) => {
      if (b.length >= n && b.length <= 2 * n && (best < 0 || b.length < this.spare[best]!.length)) best = i;
    });
    const buf = best >= 0 ? this.spare.splice(best, 1)[0]!.subarray(0, n) : new Float32Array(n);
    const x = new FastTensor(shape, buf);
    this.owned.add(x);
    return x;
  }
  free(x: DTensor): void {
    if (!this.owned.delete(x as FastTensor)) return;
    const d = t(x);
    this.spare.push(new Float32Array(d.buffer, 0, d.buffer.byteLength / 4));
    if (this.spare.length > KEEP) this.spare.shift();
  }
  trim(): void {
    this.spare.length = 0;
    this.scores = new Float32Array(0);
  }

  embed(ids: Int32Array, B: number, T: number, word: DTensor, pos: DTensor, type0: DTensor, out: DTensor): void {
    const H = last(word),
      w = t(word),
      p = t(pos),
      ty = t(type0),
      o = t(out);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < T; i++) {
        const wi = ids[b * T + i]! * H,
          pi = i * H,
          oi = (b * T + i) * H;
        for (let h = 0; h < H; h++) o[oi + h] = w[wi + h]! + p[pi + h]! + ty[h]!;
      }
    }
  }

  layerNorm(x: DTensor, residual: DTensor | undefined, gamma: DTensor, beta: DTensor, eps: number, out: DTensor) {
    layerNormRows(t(x), residual && t(residual), t(gamma), t(beta), eps, rows(x), last(x), t(out));
  }

  linear(x: DTensor, W: DTensor, bias: DTensor, out: DTensor, act?: Activation, residual?: DTensor): void {
    const n = rows(x),
      inF = last(x),
      outF = W.shape[0]!;
    this.gemm(true, n, outF, inF, 1, t(x), inF, t(W), inF, 0, t(out), outF);
    biasActivation(t(out), t(bias), n, outF, act);
    if (residual) addResidual(t(out), t(residual), act);
  }

  attention(qkv: DTensor, lengths: Int32Array, heads: number, out: DTensor, queries = Infinity): void {
    const [B, T, H] = out.shape as [number, number, number];
    attentionForward(this.gemm, t(qkv), lengths, { B, T, H, heads }, t(out), queries, (n) => {
      if (this.scores.length < n) this.scores = new Float32Array(n);
      return this.scores;
    });
  }

  meanPool(x: DTensor, from: Int32Array, to: Int32Array, out: DTensor): void {
    const [B, T, H] = x.shape as [number, number, number];
    const a = t(x),
      o = t(out);
    const acc = new Float64Array(H);
    for (let b = 0; b < B; b++) {
      acc.fill(0);
      const n = to[b]! - from[b]!;
      for (let i = from[b]!; i < to[b]!; i++) {
        const r = (b * T + i) * H;
        for (let h = 0; h < H; h++) acc[h]! += a[r + h]!;
      }
      for (let h = 0; h < H; h++) o[b * H + h] = n > 0 ? acc[h]! / n : 0;
    }
  }

  firstTokenPool(x: DTensor, out: DTensor): void {
    const [B, T, H] = x.shape as [number, number, number];
    const a = t(x),
      o = t(out);
    for (let b = 0; b < B; b++) o.set(a.subarray(b * T * H, b * T * H + H), b * H);
  }
}

/** the fast CPU device (OpenBLAS when found) */
export function fastCpuDevice(): FastCpuDevice {
  return new FastCpuDevice();
}
