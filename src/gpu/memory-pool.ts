/**
 * A caching allocator over cuMemAlloc: freed blocks are kept by size class (8 classes per power of
 * two, so at most 12.5% is wasted) and handed out again, since batches of varying shapes would
 * otherwise call cuMemAlloc/cuMemFree (slow, synchronizing) for every tensor. All work runs on one
 * stream, so a block freed after its last use may be reused by later work at once.
 */
import { CudaError } from "../errors.ts";
import type { CudaDriver, DevicePtr } from "./driver.ts";

export function sizeClass(bytes: number): number {
  const b = Math.max(512, bytes);
  const octave = 2 ** Math.floor(Math.log2(b));
  const step = Math.max(256, octave / 8);
  return Math.ceil(b / step) * step;
}

export class MemoryPool {
  private readonly free = new Map<number, DevicePtr[]>();
  private cachedBytes = 0;
  inUseBytes = 0;

  constructor(private readonly driver: CudaDriver) {}

  alloc(bytes: number): { ptr: DevicePtr; size: number } {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.cachedBytes -= size;
      this.inUseBytes += size;
      return { ptr: reused, size };
    }
    let ptr: DevicePtr;
    try {
      ptr = this.driver.alloc(size);
    } catch (e) {
      if (!(e instanceof CudaError && e.outOfMemory) || this.cachedBytes === 0) throw e;
      this.trim();
      ptr = this.driver.alloc(size);
    }
    this.inUseBytes += size;
    return { ptr, size };
  }

  release(ptr: DevicePtr, size: number): void {
    const list = this.free.get(size) ?? [];
    list.push(ptr);
    this.free.set(size, list);
    this.cachedBytes += size;
    this.inUseBytes -= size;
  }

  /** returns every cached block to the driver (after the stream is idle) */
  trim(): void {
    this.driver.synchronize();
    for (const list of this.free.values()) for (const p of list) this.driver.free(p);
    this.free.clear();
    this.cachedBytes = 0;
  }
}
