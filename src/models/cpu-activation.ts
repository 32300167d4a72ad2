/**
 * The bias add and activation after a linear layer's GEMM, in one pass over the output:
 * ReLU, or GELU in the exact erf form (HF's "gelu": x · Φ(x) = ½x(1 + erf(x/√2))).
 */
import { erf } from "../numerics/erf.ts";
import type { Activation } from "./device.ts";

/** out[r, j] = act(out[r, j] + bias[j]) for `rows` rows of `n` */
export function biasActivation(out: Float32Array, bias: Float32Array, rows: number, n: number, act?: Activation): void {
  if (act === "relu") {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        const v = out[o + j]! + bias[j]!;
        out[o + j] = Math.max(v, 0);
      }
    }
  } else if (act === "gelu") {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) {
        const v = out[o + j]! + bias[j]!;
        out[o + j] = 0.5 * v * (1 + erf(v * Math.SQRT1_2));
      }
    }
  } else {
    for (let r = 0; r < rows; r++) {
      const o = r * n;
      for (let j = 0; j < n; j++) out[o + j]! += bias[j]!;
    }
  }
}
