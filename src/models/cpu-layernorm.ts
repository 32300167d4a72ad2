/**
 * LayerNorm with the residual add fused, row by row over the last dimension, in tight
 * typed-array loops: out = (v − mean) / √(var + eps) · gamma + beta with v = x + residual.
 * Mean and variance in float64 (two passes over the row, which stays in cache).
 */
export function layerNormRows(
  x: Float32Array,
  residual: Float32Array | undefined,
  gamma: Float32Array,
  beta: Float32Array,
  eps: number,
  rows: number,
  H: number,
  out: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * H;
    let mean = 0;
    if (residual) {
      for (let h = 0; h < H; h++) {
        const v = x[o + h]! + residual[o + h]!;
        out[o + h] = v;
        mean += v;
      }
    } else {
      for (let h = 0; h < H; h++) {
        const v = x[o + h]!;
        out[o + h] = v;
        mean += v;
      }
    }
    mean /= H;
    let ss = 0;
    for (let h = 0; h < H; h++) {
      const d = out[o + h]! - mean;
      ss += d * d;
    }
    const inv = 1 / Math.sqrt(ss / H + eps);
    for (let h = 0; h < H; h++) out[o + h] = (out[o + h]! - mean) * inv * gamma[h]! + beta[h]!;
  }
}
