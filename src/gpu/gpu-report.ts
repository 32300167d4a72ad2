/**
 * What the CUDA device would find on this machine: each library's file (or why it is missing),
 * the visible GPUs, and device 0 opened (name, compute capability, memory) — `scembed gpu`.
 */
import { openCudaDevice } from "./cuda-open.ts";
import { visibleGpus } from "./visible-gpus.ts";

export interface GpuReport {
  libraries?: Record<string, string>;
  gpus: string[];
  device?: { name: string; computeCapability: string; memoryGiB: number; freeGiB: number };
  error?: string;
}

export async function gpuReport(): Promise<GpuReport> {
  const gpus = visibleGpus();
  try {
    const { device, paths: libraries } = await openCudaDevice();
    const mem = device.driver.memInfo();
    return {
      libraries,
      gpus,
      device: {
        name: device.info.name,
        computeCapability: device.info.computeCapability.join("."),
        memoryGiB: mem.total / 2 ** 30,
        freeGiB: mem.free / 2 ** 30,
      },
    };
  } catch (e) {
    return { gpus, error: (e as Error).message };
  }
}
