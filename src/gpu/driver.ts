/**
 * The CUDA driver API through koffi: one context on one device, one stream, memory, module
 * loading and kernel launches. Every CUresult goes through check(). Device pointers are bigints.
 */
import type { IKoffiLib } from "koffi";
import { CudaError } from "../errors.ts";
import { check, checkOut, thenRelease } from "./check.ts";
import { loadKoffi } from "./koffi.ts";

export type DevicePtr = bigint;
/** a kernel argument: a scalar, or `bytes` passed by value (a TMA tensor map: 128 bytes) */
export type KernelArg = { u64: bigint } | { i32: number } | { f32: number } | { bytes: Uint8Array };

const MAX_ARGS = 32;
/** room for arguments passed by value, each at a 64-byte-aligned offset */
const BYTE_ARGS = 1024;
const CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
const CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
const CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
const CU_EVENT_DISABLE_TIMING = 2;
const CUDA_ERROR_NOT_READY = 600;

export interface DeviceInfo {
  ordinal: number;
  name: string;
  computeCapability: [number, number];
  driverVersion: number;
  /** PCI domain:bus:device, telling GPUs apart whatever CUDA_VISIBLE_DEVICES numbers them */
  pciBusId: string;
}

export class CudaDriver {
  readonly info: DeviceInfo;
  private readonly fn: Record<string, (...args: unknown[]) => number>;
  private readonly stream: unknown;
  /** downloads of results known to be finished (`downloadSettled`): they wait for nothing queued since */
  private readonly copyStream: unknown;
  private readonly argBlock: unknown;
  private readonly argView: DataView;
  private readonly argPtrs: unknown;
  /** the kernel-parameter array: slot i holds the address of argument i */
  private readonly ptrView: DataView;
  private readonly argBase: bigint;
  private readonly byteArgs: Uint8Array;
  private readonly byteArgsAddress: bigint;

  constructor(
    /** the driver library (tensor-map.ts declares its own functions on it) */
    readonly lib: IKoffiLib,
    ordinal = 0,
  ) {
    const k = loadKoffi();
    const decl: Record<string, string> = {
      cuInit: "int cuInit(unsigned int flags)",
      cuDriverGetVersion: "int cuDriverGetVersion(_Out_ int *v)",
      cuDeviceGetCount: "int cuDeviceGetCount(_Out_ int *n)",
      cuDeviceGet: "int cuDeviceGet(_Out_ int *dev, int ordinal)",
      cuDeviceGetName: "int cuDeviceGetName(_Out_ uint8_t *name, int len, int dev)",
      cuDeviceGetAttribute: "int cuDeviceGetAttribute(_Out_ int *v, int attr, int dev)",
      cuDevicePrimaryCtxRetain: "int cuDevicePrimaryCtxRetain(_Out_ void **ctx, int dev)",
      cuCtxSetCurrent: "int cuCtxSetCurrent(void *ctx)",
      cuStreamCreate: "int cuStreamCreate(_Out_ void **stream, unsigned int flags)",
      cuStreamSynchronize: "int cuStreamSynchronize(void *stream)",
      cuMemAlloc: "int cuMemAlloc_v2(_Out_ uint64_t *ptr, size_t bytes)",
      cuMemFree: "int cuMemFree_v2(uint64_t ptr)",
      cuMemGetInfo: "int cuMemGetInfo_v2(_Out_ size_t *free, _Out_ size_t *total)",
      cuMemcpyHtoDAsync: "int cuMemcpyHtoDAsync_v2(uint64_t dst, const void *src, size_t bytes, void *stream)",
      cuMemcpyDtoHAsync: "int cuMemcpyDtoHAsync_v2(_Out_ void *dst, uint64_t src, size_t bytes, void *stream)",
      cuModuleLoadData: "int cuModuleLoadData(_Out_ void **module, const void *image)",
      cuModuleGetFunction: "int cuModuleGetFunction(_Out_ void **fn, void *module, const char *name)",
      cuLaunchKernel:
        "int cuLaunchKernel(void *fn, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int smem, void *stream, void *params, void *extra)",
      cuEventCreate: "int cuEventCreate(_Out_ void **event, unsigned int flags)",
      cuEventRecord: "int cuEventRecord(void *event, void *stream)",
      cuEventSynchronize: "int cuEventSynchronize(void *event)",
      cuEventElapsedTime: "int cuEventElapsedTime(_Out_ float *ms, void *start, void *end)",
      cuEventDestroy: "int cuEventDestroy_v2(void *event)",
      cuEventQuery: "int cuEventQuery(void *event)",
      cuFuncSetAttribute: "int cuFuncSetAttribute(void *fn, int attr, int value)",
      cuFuncGetAttribute: "int cuFuncGetAttribute(_Out_ int *value, int attr, void *fn)",
    };
    this.fn = Object.fromEntries(
      Object.entries(decl).map(([name, sig]) => [name, lib.func(sig) as (...args: unknown[]) => number]),
    );
    check("cuInit", this.fn["cuInit"]!(0));
    const count = checkOut("cuDeviceGetCount", (o) => this.fn["cuDeviceGetCount"]!(o)) as number;
    if (ordinal >= count)
      throw new CudaError(
        "cuDeviceGet",
        101,
        "CUDA_ERROR_INVALID_DEVICE",
        `only ${count} CUDA device(s) are visible; check CUDA_VISIBLE_DEVICES`,
      );
    const dev = checkOut("cuDeviceGet", (o) => this.fn["cuDeviceGet"]!(o, ordinal)) as number;
    const nameBuf = Buffer.alloc(256);
    check("cuDeviceGetName", this.fn["cuDeviceGetName"]!(nameBuf, 256, dev));
    const attr = (a: number) =>
      checkOut("cuDeviceGetAttribute", (o) => this.fn["cuDeviceGetAttribute"]!(o, a, dev)) as number;
    this.info = {
      ordinal,
      name: nameBuf.toString("utf8", 0, nameBuf.indexOf(0)),
      computeCapability: [attr(75), attr(76)],
      driverVersion: checkOut("cuDriverGetVersion", (o) => this.fn["cuDriverGetVersion"]!(o)) as number,
      pciBusId: [attr(50), attr(33), attr(34)].map((v, i) => v.toString(16).padStart(i === 0 ? 4 : 2, "0")).join(":"),
    };
    const ctx = checkOut("cuDevicePrimaryCtxRetain", (o) => this.fn["cuDevicePrimaryCtxRetain"]!(o, dev));
    check("cuCtxSetCurrent", this.fn["cuCtxSetCurrent"]!(ctx));
    this.stream = checkOut("cuStreamCreate", (o) => this.fn["cuStreamCreate"]!(o, 1));
    this.copyStream = checkOut("cuStreamCreate", (o) => this.fn["cuStreamCreate"]!(o, 1));
    // kernel arguments: one slot of 8 bytes each in stable memory, and the array of their addresses
    this.argBlock = k.alloc("uint64_t", MAX_ARGS);
    this.argPtrs = k.alloc("uint64_t", MAX_ARGS);
    this.argView = new DataView(k.view(this.argBlock, MAX_ARGS * 8));
    this.ptrView = new DataView(k.view(this.argPtrs, MAX_ARGS * 8));
    this.argBase = k.address(this.argBlock) as bigint;
    const byteBlock = k.alloc("uint8_t", BYTE_ARGS + 64);
    const byteBase = k.address(byteBlock) as bigint;
    const skip = Number((64n - (byteBase % 64n)) % 64n);
    this.byteArgs = new Uint8Array(k.view(byteBlock, BYTE_ARGS + 64), skip, BYTE_ARGS);
    this.byteArgsAddress = byteBase + BigInt(skip);
  }

  get streamHandle(): unknown {
    return this.stream;
  }

  alloc(bytes: number): DevicePtr {
    return BigInt(checkOut("cuMemAlloc_v2", (o) => this.fn["cuMemAlloc"]!(o, Math.max(bytes, 256))) as number | bigint);
  }
  free(ptr: DevicePtr): void {
    check("cuMemFree_v2", this.fn["cuMemFree"]!(ptr));
  }
  memInfo(): { free: number; total: number } {
    const f: unknown[] = [null],
      t: unknown[] = [null];
    check("cuMemGetInfo_v2", this.fn["cuMemGetInfo"]!(f, t));
    return { free: Number(f[0]), total: Number(t[0]) };
  }
  upload(dst: DevicePtr, src: ArrayBufferView): void {
    check("cuMemcpyHtoDAsync_v2", this.fn["cuMemcpyHtoDAsync"]!(dst, src, src.byteLength, this.stream));
  }
  /** copies device memory into `dst` and waits for it */
  download(dst: ArrayBufferView, src: DevicePtr): void {
    check("cuMemcpyDtoHAsync_v2", this.fn["cuMemcpyDtoHAsync"]!(dst, src, dst.byteLength, this.stream));
    this.synchronize();
  }
  /**
   * copies device memory whose writes have finished (a `settle` after them has resolved) into
   * `dst` on the copy stream: work queued since (the next batch) goes on, the copy does not wait for it
   */
  downloadSettled(dst: ArrayBufferView, src: DevicePtr): void {
    check("cuMemcpyDtoHAsync_v2", this.fn["cuMemcpyDtoHAsync"]!(dst, src, dst.byteLength, this.copyStream));
    check("cuStreamSynchronize", this.fn["cuStreamSynchronize"]!(this.copyStream));
  }
  synchronize(): void {
    check("cuStreamSynchronize", this.fn["cuStreamSynchronize"]!(this.stream));
  }

  loadModule(image: Uint8Array): unknown {
    return checkOut("cuModuleLoadData", (o) => this.fn["cuModuleLoadData"]!(o, image));
  }
  getFunction(module: unknown, name: string): unknown {
    return checkOut(`cuModuleGetFunction(${name})`, (o) => this.fn["cuModuleGetFunction"]!(o, module, name));
  }

  launch(
    name: string,
    fn: unknown,
    grid: [number, number, number],
    block: [number, number, number],
    smem: number,
    args: KernelArg[],
  ): void {
    if (args.length > MAX_ARGS) throw new Error(`${name}: more than ${MAX_ARGS} kernel arguments`);
    let byteOffset = 0;
    args.forEach((a, i) => {
      // a by-value argument's slot points into the byte block; a scalar's into its own 8 bytes
      if ("bytes" in a) {
        if (byteOffset + a.bytes.length > BYTE_ARGS)
          throw new Error(`${name}: by-value arguments over ${BYTE_ARGS} bytes`);
        this.byteArgs.set(a.bytes, byteOffset);
        this.ptrView.setBigUint64(i * 8, this.byteArgsAddress + BigInt(byteOffset), true);
        byteOffset += Math.ceil(a.bytes.length / 64) * 64;
        return;
      }
      this.ptrView.setBigUint64(i * 8, this.argBase + BigInt(i * 8), true);
      if ("u64" in a) this.argView.setBigUint64(i * 8, a.u64, true);
      else if ("i32" in a) this.argView.setInt32(i * 8, a.i32, true);
      else this.argView.setFloat32(i * 8, a.f32, true);
    });
    check(
      `cuLaunchKernel(${name})`,
      this.fn["cuLaunchKernel"]!(
        fn,
        grid[0],
        grid[1],
        grid[2],
        block[0],
        block[1],
        block[2],
        smem,
        this.stream,
        this.argPtrs,
        null,
      ),
    );
  }

  /** registers a thread and local memory (spills) a thread of a compiled kernel, for benchmarks */
  kernelResources(fn: unknown): { registers: number; localBytes: number } {
    const get = (attr: number) =>
      checkOut("cuFuncGetAttribute", (o) => this.fn["cuFuncGetAttribute"]!(o, attr, fn)) as number;
    return { registers: get(CU_FUNC_ATTRIBUTE_NUM_REGS), localBytes: get(CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES) };
  }

  /** lets `fn` take more than 48 KB of dynamic shared memory */
  allowSharedMemory(fn: unknown, bytes: number): void {
    check(
      "cuFuncSetAttribute",
      this.fn["cuFuncSetAttribute"]!(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
    );
  }

  /** resolves once the work queued on the stream so far has run; the event loop runs between polls */
  async settle(): Promise<void> {
    const done = checkOut("cuEventCreate", (o) => this.fn["cuEventCreate"]!(o, CU_EVENT_DISABLE_TIMING));
    try {
      check("cuEventRecord", this.fn["cuEventRecord"]!(done, this.stream));
      for (;;) {
        const status = this.fn["cuEventQuery"]!(done);
        if (status === 0) return;
        if (status !== CUDA_ERROR_NOT_READY) check("cuEventQuery", status);
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      check("cuEventDestroy_v2", this.fn["cuEventDestroy"]!(done));
    }
  }

  /** milliseconds the stream spends on `work` (events around it) */
  time(work: () => void): number {
    const [start, end] = [0, 1].map(() => checkOut("cuEventCreate", (o) => this.fn["cuEventCreate"]!(o, 0)));
    return thenRelease(
      () => {
        check("cuEventRecord", this.fn["cuEventRecord"]!(start, this.stream));
        work();
        check("cuEventRecord", this.fn["cuEventRecord"]!(end, this.stream));
        check("cuEventSynchronize", this.fn["cuEventSynchronize"]!(end));
        return checkOut("cuEventElapsedTime", (o) => this.fn["cuEventElapsedTime"]!(o, start, end)) as number;
      },
      () => [start, end].forEach((e) => check("cuEventDestroy_v2", this.fn["cuEventDestroy"]!(e))),
    );
  }
}
