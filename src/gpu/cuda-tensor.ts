/**
 * The CUDA device's tensors (bf16 in device memory, from the memory pool), the launch-argument
 * helpers its ops share, and the hidden sizes its kernels take.
 */
import type { DTensor } from "../models/device.ts";
import { CudaUnavailable } from "./cuda-error.ts";
import type { DevicePtr, KernelArg } from "./driver.ts";

export class CudaTensor implements DTensor {
  constructor(
    readonly shape: readonly number[],
    readonly ptr: DevicePtr,
    readonly size: number,
  ) {}
  get length(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export const p = (x: DTensor | DevicePtr): KernelArg => ({ u64: typeof x === "bigint" ? x : (x as CudaTensor).ptr });
export const i32 = (x: number): KernelArg => ({ i32: x });
export const f32 = (x: number): KernelArg => ({ f32: x });
export const last = (x: DTensor) => x.shape[x.shape.length - 1]!;
export const cells = (x: DTensor) => (x as CudaTensor).length;
/** the hidden sizes our kernels take (16-byte lanes, a warp's row in LayerNorm): every BERT's */
export function supportedWidth(H: number): number {
  if (H % 8 !== 0 || H > 2048)
    throw new CudaUnavailable(`hidden size ${H} is not supported by the CUDA kernels (a multiple of 8, at most 2048)`, {
      fix: "use device: cpu for this model",
    });
  return H;
}
