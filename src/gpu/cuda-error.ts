/** CUDA failures as thrown errors that name the call; the library never exits the process. */
import { ScembedError } from "../errors.ts";

/** Driver (CUresult), NVRTC or cuBLAS status names for the codes users meet. */
const DRIVER_NAMES: Record<number, string> = {
  1: "CUDA_ERROR_INVALID_VALUE",
  2: "CUDA_ERROR_OUT_OF_MEMORY",
  3: "CUDA_ERROR_NOT_INITIALIZED",
  46: "CUDA_ERROR_DEVICES_UNAVAILABLE",
  100: "CUDA_ERROR_NO_DEVICE",
  101: "CUDA_ERROR_INVALID_DEVICE",
  200: "CUDA_ERROR_INVALID_IMAGE",
  209: "CUDA_ERROR_NO_BINARY_FOR_GPU",
  700: "CUDA_ERROR_ILLEGAL_ADDRESS",
  701: "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
  702: "CUDA_ERROR_LAUNCH_TIMEOUT",
  999: "CUDA_ERROR_UNKNOWN",
};

export class CudaError extends ScembedError {
  override readonly tag = "CudaError";
  constructor(readonly call: string, readonly code: number, readonly codeName: string, fix?: string) {
    super(`${call} failed: ${codeName} (${code})`, { fix });
  }
  /** out of device memory: the caller may retry with a smaller batch */
  get outOfMemory(): boolean {
    return (this.call.startsWith("cu") && this.code === 2) || (this.call.startsWith("cublas") && this.code === 3);
  }
  /** initialization-type failures worth a retry after a pause (busy or not yet ready devices) */
  get transient(): boolean {
    return this.call.startsWith("cu") && !this.call.startsWith("cublas") && [3, 46, 304, 802, 999].includes(this.code);
  }
}

export function driverErrorName(code: number, lookup?: (code: number) => string | undefined): string {
  return lookup?.(code) ?? DRIVER_NAMES[code] ?? `CUresult ${code}`;
}

/** The CUDA device cannot run here or cannot run this model (libraries, GPU generation, shapes). */
export class CudaUnavailable extends ScembedError {
  override readonly tag = "CudaUnavailable";
}
