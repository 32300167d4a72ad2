/** The Device in plain TypeScript loops: the reference (and test oracle) for every op. */
import type { Activation, Device, DTensor } from "./device.ts";
import { erf } from "../numerics/erf.ts";
import { addResidual } from "./cpu-activation.ts";

class CpuTensor implements DTensor {
  constructor(
    readonly shape: readonly number[],
    readonly data: Float32Array,
  ) {}
}

const t = (x: DTensor) => (x as CpuTensor).data;
const rows = (x: DTensor) => x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
const last = (x: DTensor) => x.shape[x.shape.length - 1]!;

export function cpuDevice(): Device {
  return {
    name: "cpu-reference",
    upload: (data, shape) => new CpuTensor(shape, data),
    download: (x) => t(x),
    alloc: (shape) => new CpuTensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1))),
    free: () => {},

    embed(ids, B, T, word, pos, type0, out) {
      const H = last(word),
        w = t(word),
        p = t(pos),
        ty = t(type0),
        o = t(out);
      for (let b = 0; b < B; b++) {
        for (let i = 0; i < T; i++) {
          const id = ids[b * T + i]!,
            base = (b * T + i) * H;
          for (let h = 0; h < H; h++) o[base + h] = w[id * H + h]! + p[i * H + h]! + ty[h]!;
        }
      }
    },

    layerNorm(x, residual, gamma, beta, eps, out) {
      const H = last(x),
        n = rows(x),
        a = t(x),
        res = residual && t(residual),
        g = t(gamma),
        be = t(beta),
        o = t(out);
      const v = new Float32Array(H);
      for (let r = 0; r < n; r++) {
        for (let h = 0; h < H; h++) v[h] = a[r * H + h]! + (res ? res[r * H + h]! : 0);
        let mean = 0;
        for (let h = 0; h < H; h++) mean += v[h]!;
        mean /= H;
        let s = 0;
        for (let h = 0; h < H; h++) s += (v[h]! - mean) ** 2;
        const inv = 1 / Math.sqrt(s / H + eps);
        for (let h = 0; h < H; h++) o[r * H + h] = (v[h]! - mean) * inv * g[h]! + be[h]!;
      }
    },

    linear(x, W, bias, out, act?: Activation, residual?: DTensor) {
      const n = rows(x),
        inF = last(x),
        outF = W.shape[0]!,
        a = t(x),
        w = t(W),
        bb = t(bias),
        o = t(out);
      for (let r = 0; r < n; r++) {
        const xr = r * inF;
        for (let j = 0; j < outF; j++) {
          let s = 0;
          const wj = j * inF;
          for (let i = 0; i < inF; i++) s += a[xr + i]! * w[wj + i]!;
          o[r * outF + j] = s + bb[j]!;
        }
      }
      if (act === "relu") for (let i = 0; i < o.length; i++) o[i] = Math.max(0, o[i]!);
      else if (act === "gelu") for (let i = 0; i < o.length; i++) o[i] = 0.5 * o[i]! * (1 + erf(o[i]! / Math.SQRT2));
      if (residual) addResidual(o, t(residual), act);
    },

    attention(qkv, lengths, heads, out, queries = Infinity) {
      const [B, T, H] = out.shape as [number, number, number];
      const D = H / heads,
        scale = 1 / Math.sqrt(D),
        ld = 3 * H;
      const X = t(qkv),
        O = t(out);
      O.fill(0);
      const scores = new Float64Array(T);
      for (let b = 0; b < B; b++) {
        const len = lengths[b]!;
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < Math.min(len, queries); i++) {
            const qi = (b * T + i) * ld + h * D,
              oi = (b * T + i) * H + h * D;
            let max = -Infinity;
            for (let j = 0; j < len; j++) {
              const kj = (b * T + j) * ld + H + h * D;
              let s = 0;
              for (let d = 0; d < D; d++) s += X[qi + d]! * X[kj + d]!;
              scores[j] = s * scale;
              if (scores[j]! > max) max = scores[j]!;
            }
            let sum = 0;
            for (let j = 0; j < len; j++) sum += scores[j] = Math.exp(scores[j]! - max);
            for (let j = 0; j < len; j++) {
              const p = scores[j]! / sum,
                vj = (b * T + j) * ld + 2 * H + h * D;
              for (let d = 0; d < D; d++) O[oi + d]! += p * X[vj + d]!;
            }
          }
        }
      }
    },

    meanPool(x, from, to, out) {
      const [B, T, H] = x.shape as [number, number, number];
      const a = t(x),
        o = t(out);
      for (let b = 0; b < B; b++) {
        const n = to[b]! - from[b]!;
        for (let h = 0; h < H; h++) {
          let s = 0;
          for (let i = from[b]!; i < to[b]!; i++) s += a[(b * T + i) * H + h]!;
          o[b * H + h] = n > 0 ? s / n : 0;
        }
      }
    },

    firstTokenPool(x, out) {
      const [B, T, H] = x.shape as [number, number, number];
      const a = t(x),
        o = t(out);
      for (let b = 0; b < B; b++) for (let h = 0; h < H; h++) o[b * H + h] = a[b * T * H + h]!;
    },
  };
}
