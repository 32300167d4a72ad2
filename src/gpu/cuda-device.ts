/**
 * The Device on an NVIDIA GPU: tensors in bf16 on the device, GEMMs through cuBLASLt (float32
 * accumulation, bias and ReLU fused), the other ops as our NVRTC-compiled kernels; everything on
 * one stream, so only downloads wait. Mirrors cpu-device.ts op for op (its test oracle).
 */
import type { Activation, Device, DTensor } from "../models/device.ts";
import { launchMmaAttention } from "./attention-mma.ts";
import { launchSm90Attention, useSm90Attention } from "./attention-sm90.ts";
import { fromBf16 } from "./bf16.ts";
import { CublasLt } from "./cublaslt.ts";
import { CudaUnavailable } from "./cuda-error.ts";
import type { CudaLibraries } from "./cuda-libraries.ts";
import { CudaTensor, cells, f32, i32, last, p, supportedWidth } from "./cuda-tensor.ts";
import { CudaDriver, type DeviceInfo, type DevicePtr } from "./driver.ts";
import { fingerprint } from "./fingerprint.ts";
import { type GemmCall, GemmTuner, type GemmTuning } from "./gemm-tuning.ts";
import { KernelSet } from "./kernels.ts";
import { MemoryPool } from "./memory-pool.ts";
import { nvrtcCompiler } from "./nvrtc.ts";

export class CudaDevice implements Device {
  readonly name: string;
  readonly driver: CudaDriver;
  private readonly blas: CublasLt;
  readonly kernels: KernelSet;
  private readonly pool: MemoryPool;
  /** when set, each op is timed with events (serializing the stream) and its milliseconds summed here */
  profile: Map<string, number> | undefined;
  private readonly gemmTuner: GemmTuner;

  constructor(libs: CudaLibraries, ordinal = 0) {
    this.driver = new CudaDriver(libs.cuda, ordinal);
    this.pool = new MemoryPool(this.driver);
    this.blas = new CublasLt(libs.cublasLt, this.driver);
    this.kernels = new KernelSet(this.driver, nvrtcCompiler(libs.nvrtc));
    const tools = {
      time: (work: () => void) => this.driver.time(work),
      fingerprint: (ptr: DevicePtr, bytes: number) => fingerprint(this.driver, this.kernels, ptr, bytes),
    };
    this.gemmTuner = new GemmTuner(this.blas, tools, process.env["SCEMBED_GEMM_TUNING"] !== "0");
    const [maj, min] = this.driver.info.computeCapability;
    if (maj < 8)
      throw new CudaUnavailable(
        `${this.driver.info.name} (compute capability ${maj}.${min}) has no bf16 tensor cores`,
        { fix: "the CUDA device needs compute capability 8.0 or newer (A100, H100, L4, RTX 30xx on); use device: cpu" },
      );
    this.name = `cuda:${ordinal} (${this.driver.info.name})`;
  }

  /** what tuning each GEMM class found (gemm-tuning.ts); SCEMBED_GEMM_TUNING=0: cuBLASLt's first choices */
  get tunings(): readonly GemmTuning[] {
    return this.gemmTuner.tunings;
  }

  get info(): DeviceInfo {
    return this.driver.info;
  }

  private timed(op: string, work: () => void): void {
    if (!this.profile) return work();
    const ms = this.driver.time(work);
    this.profile.set(op, (this.profile.get(op) ?? 0) + ms);
  }

  private tensor(shape: readonly number[], bytesPerValue = 2): CudaTensor {
    const { ptr, size } = this.pool.alloc(shape.reduce((a, b) => a * b, 1) * bytesPerValue);
    return new CudaTensor(shape, ptr, size);
  }

  /** int32 values for one launch; released at once (the stream orders later reuse after it) */
  private withInts(values: Int32Array, use: (ptr: DevicePtr) => void): void {
    const t = this.tensor([values.length], 4);
    try {
      this.driver.upload(t.ptr, values);
      use(t.ptr);
    } finally {
      this.free(t);
    }
  }

  /** float32 goes up as it is and is rounded to bf16 on the GPU (to-bf16.cu): no host pass over it */
  upload(data: Float32Array, shape: number[]): DTensor {
    const t = this.tensor(shape);
    let staged: CudaTensor | undefined;
    try {
      staged = this.tensor([data.length], 4);
      this.driver.upload(staged.ptr, data);
      const blocks = Math.max(1, Math.min(65535, Math.ceil(data.length / 256)));
      this.driver.launch("to_bf16", this.kernels.get("to-bf16.cu", "to_bf16"), [blocks, 1, 1], [256, 1, 1], 0, [
        p(staged),
        p(t),
        { u64: BigInt(data.length) },
      ]);
    } catch (err) {
      this.free(t);
      throw err;
    } finally {
      if (staged) this.free(staged);
    }
    return t;
  }
  download(x: DTensor): Float32Array {
    const out = new Uint16Array(cells(x));
    this.driver.download(out, (x as CudaTensor).ptr);
    return fromBf16(out);
  }
  /**
   * the epilogue's read of the residual is free where the GEMM is compute-bound: V2's output
   * projections (768 and 3072 wide inputs) gain, V1's (256, 512) lost 9 % of the forward pass
   * (H200, 2026-12-02), where LayerNorm's own read of it costs less
   */
  residualInLinear(inFeatures: number): boolean {
    return inFeatures >= 768;
  }
  /** after `settle`: a tensor made before it, read without waiting for the work queued since */
  downloadSettled(x: DTensor): Float32Array {
    const out = new Uint16Array(cells(x));
    this.driver.downloadSettled(out, (x as CudaTensor).ptr);
    return fromBf16(out);
  }
  /** the queued work's end, polled: the event loop (the output store's creation) runs meanwhile */
  settle(): Promise<void> {
    return this.driver.settle();
  }
  alloc(shape: number[]): DTensor {
    return this.tensor(shape);
  }
  free(x: DTensor): void {
    this.pool.release((x as CudaTensor).ptr, (x as CudaTensor).size);
  }
  /** gives cached device memory back (after an out-of-memory error, say) */
  trim(): void {
    this.pool.trim();
  }

  embed(ids: Int32Array, B: number, T: number, word: DTensor, pos: DTensor, type0: DTensor, out: DTensor): void {
    this.timed("embed", () => {
      const H = supportedWidth(last(word));
      this.withInts(ids, (idPtr) => {
        const blocks = Math.min(Math.ceil((B * T * H) / 8 / 256), 4096);
        this.driver.launch("embed", this.kernels.get("embed.cu", "embed"), [blocks, 1, 1], [256, 1, 1], 0, [
          p(idPtr),
          p(word),
          p(pos),
          p(type0),
          p(out),
          i32(B * T),
          i32(T),
          i32(H),
        ]);
      });
    });
  }

  layerNorm(x: DTensor, residual: DTensor | undefined, gamma: DTensor, beta: DTensor, eps: number, out: DTensor): void {
    this.timed(residual ? "add+layerNorm" : "layerNorm", () => {
      const H = supportedWidth(last(x)),
        rows = cells(x) / H;
      const fn = this.kernels.get("layer-norm.cu", "add_layer_norm", { MAXC: Math.ceil(H / 256) });
      this.driver.launch("add_layer_norm", fn, [Math.ceil(rows / 8), 1, 1], [256, 1, 1], 0, [
        p(x),
        p(residual ? residual : 0n),
        p(gamma),
        p(beta),
        p(out),
        i32(rows),
        i32(H),
        f32(eps),
      ]);
    });
  }

  linear(x: DTensor, W: DTensor, bias: DTensor, out: DTensor, act?: Activation, residual?: DTensor): void {
    if (residual && act) throw new Error(`a residual after the ${act} activation is not supported`);
    const inF = last(x),
      outF = W.shape[0]!;
    const call: GemmCall = {
      x: (x as CudaTensor).ptr,
      W: (W as CudaTensor).ptr,
      bias: (bias as CudaTensor).ptr,
      y: (out as CudaTensor).ptr,
      N: cells(x) / inF,
      inF,
      outF,
      relu: act === "relu",
      residual: residual && (residual as CudaTensor).ptr,
    };
    const gemm = `${outF}×${inF}${act ? ` ${act}` : ""}${residual ? " +residual" : ""}`;
    this.gemmTuner.before(call, gemm);
    this.timed(`linear ${gemm}`, () => {
      const { x, W, bias, y, N, relu, residual } = call;
      this.blas.linear(x, W, bias, y, N, inF, outF, relu, residual);
      if (act === "gelu") {
        const n2 = cells(out) / 2;
        this.driver.launch(
          "gelu",
          this.kernels.get("activation.cu", "gelu"),
          [Math.min(65535, Math.ceil(n2 / 256)), 1, 1],
          [256, 1, 1],
          0,
          [p(out), { u64: BigInt(n2) }],
        );
      }
    });
  }

  attention(qkv: DTensor, lengths: Int32Array, heads: number, out: DTensor, queries = Infinity): void {
    this.timed("attention", () => {
      const [B, T, H] = out.shape as [number, number, number];
      const D = H / heads;
      if (D % 16 !== 0 || H % 8 !== 0)
        throw new CudaUnavailable(
          `attention head width ${D} is not supported by the CUDA attention (a multiple of 16)`,
          { fix: "use device: cpu for this model" },
        );
      const launch = useSm90Attention(this.driver, D) ? launchSm90Attention : launchMmaAttention;
      this.withInts(lengths, (len) =>
        launch(this.driver, this.kernels, {
          qkv: (qkv as CudaTensor).ptr,
          lengths: len,
          out: (out as CudaTensor).ptr,
          B,
          T,
          H,
          heads,
          queries,
        }),
      );
    });
  }

  meanPool(x: DTensor, from: Int32Array, to: Int32Array, out: DTensor): void {
    this.timed("pool", () => {
      const [B, T] = x.shape as [number, number, number];
      const H = supportedWidth(last(x));
      // row groups × 16-byte column chunks, their partial sums in shared memory (pool.cu)
      const chunks = H / 8,
        groups = Math.floor(512 / chunks);
      this.withInts(from, (f) =>
        this.withInts(to, (e) =>
          this.driver.launch(
            "mean_pool",
            this.kernels.get("pool.cu", "mean_pool"),
            [B, 1, 1],
            [chunks * groups, 1, 1],
            groups * H * 4,
            [p(x), p(f), p(e), p(out), i32(T), i32(H)],
          ),
        ),
      );
    });
  }

  firstTokenPool(x: DTensor, out: DTensor): void {
    this.timed("pool", () => {
      const [B, T, H] = x.shape as [number, number, number];
      this.driver.launch(
        "first_token_pool",
        this.kernels.get("pool.cu", "first_token_pool"),
        [B, 1, 1],
        [Math.min(256, H), 1, 1],
        0,
        [p(x), p(out), i32(T), i32(H)],
      );
    });
  }
}
