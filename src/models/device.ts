/**
 * The small interface the model code runs on. A tensor is an opaque handle with a shape; the
 * CPU device (cpu-device.ts) implements every op as plain loops and is the oracle for the CUDA
 * device. Shapes: B batch, T tokens (padded), H hidden, F feed-forward, N = B·T rows.
 */
export interface DTensor {
  readonly shape: readonly number[];
}

export type Activation = "relu" | "gelu";

export interface Device {
  readonly name: string;
  upload(data: Float32Array, shape: number[]): DTensor;
  download(t: DTensor): Float32Array;
  /**
   * whether `linear` sums a residual at no cost for inputs this wide (CUDA: in the GEMM's epilogue,
   * when the GEMM is compute-bound); otherwise LayerNorm adds it. Unset: LayerNorm does.
   */
  residualInLinear?(inFeatures: number): boolean;
  /** resolves once the work queued so far has run, the event loop free meanwhile (devices that queue) */
  settle?(): Promise<void>;
  /** after a `settle` has resolved: reads a tensor made before it, not waiting for work queued since */
  downloadSettled?(t: DTensor): Float32Array;
  alloc(shape: number[]): DTensor;
  free(t: DTensor): void;
  /** gives cached device memory back (after an out-of-memory error); optional */
  trim?(): void;

  /** out[b,t,:] = word[ids[b,t]] + pos[t] + type0 (ids padded with any valid id past `lengths[b]`) */
  embed(ids: Int32Array, B: number, T: number, word: DTensor, pos: DTensor, type0: DTensor, out: DTensor): void;
  /** out = LayerNorm(x + residual) row-wise over the last dim (no residual: plain LayerNorm) */
  layerNorm(x: DTensor, residual: DTensor | undefined, gamma: DTensor, beta: DTensor, eps: number, out: DTensor): void;
  /**
   * out = act(x·Wᵀ + bias) + residual; x (N×in), W (out×in) as PyTorch stores Linear weights,
   * residual (N×out, not `out` itself) optional, only without an activation
   */
  linear(x: DTensor, W: DTensor, bias: DTensor, out: DTensor, act?: Activation, residual?: DTensor): void;
  /**
   * multi-head self-attention; qkv (B×T×3H) holds the query, key and value projections side by
   * side; keys at positions ≥ lengths[b] are masked, and rows ≥ lengths[b] of out are zero.
   * With `queries`, only rows below it are computed (the rest of out is left undefined).
   */
  attention(qkv: DTensor, lengths: Int32Array, heads: number, out: DTensor, queries?: number): void;
  /** out[b,:] = mean over positions [from[b], to[b]) of x[b] */
  meanPool(x: DTensor, from: Int32Array, to: Int32Array, out: DTensor): void;
  /** out[b,:] = x[b, 0, :] */
  firstTokenPool(x: DTensor, out: DTensor): void;
}
