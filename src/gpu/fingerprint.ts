/**
 * A 64-bit fingerprint of device memory (kernels/checksum.cu): equal bits give equal fingerprints,
 * and a changed word or place changes it (but for a 2^-64 chance). GEMM tuning compares candidate
 * algorithms' outputs with it, without a second output buffer.
 */
import type { CudaDriver, DevicePtr } from "./driver.ts";
import type { KernelSet } from "./kernels.ts";

/** the fingerprint of `bytes` bytes at `ptr` (a multiple of 4), once the work queued before has run */
export function fingerprint(driver: CudaDriver, kernels: KernelSet, ptr: DevicePtr, bytes: number): bigint {
  const sum = driver.alloc(8);
  try {
    const total = new BigUint64Array(1);
    driver.upload(sum, total);
    const words = bytes / 4;
    driver.launch(
      "checksum",
      kernels.get("checksum.cu", "checksum"),
      [Math.max(1, Math.min(2048, Math.ceil(words / 256))), 1, 1],
      [256, 1, 1],
      0,
      [{ u64: ptr }, { u64: BigInt(words) }, { u64: sum }],
    );
    driver.download(total, sum);
    return total[0]!;
  } finally {
    driver.free(sum);
  }
}
