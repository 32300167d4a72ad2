/**
 * The bias add and activation after a linear layer's GEMM, in one pass over the output:
 * ReLU, or GELU in the exact erf form (HF's "gelu": x · Φ(x) = ½x(1 + erf(x/√2))).
 */
import type { Activation } from "./device.ts";

/** erf, Abramowitz & Stegun 7.1.26 refined (|error| < 1.2e-7): enough for GELU in float32. */
export function erf(x: number): number {
  const a = Math.abs(x);
  const k = 1 / (1 + 0.5 * a);
  const y =
    1 -
    k *
      Math.exp(
        -a * a -
          1.26551223 +
          k *
            (1.00002368 +
              k *
                (0.37409196 +
                  k *
                    (0.09678418 +
                      k *
                        (-0.18628806 +
                          k *
                            (0.27886807 +
                              k * (-1.13520398 + k * (1.48851587 + k * (-0.82215223 + k * 0.17087277)))))))),
      );
  return x < 0 ? -y : y;
}

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
