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

/** out += residual, element by element: a linear layer's residual sum (never after an activation) */
export function addResidual(out: Float32Array, residual: Float32Array, act?: Activation): void {
  if (act) throw new Error(`a residual after the ${act} activation is not supported`);
  if (residual.length !== out.length)
    throw new Error(`residual of ${residual.length} values for an output of ${out.length}`);
  for (let i = 0; i < out.length; i++) out[i]! += residual[i]!;
}
