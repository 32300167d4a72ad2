/**
 * bf16 GEMMs with float32 accumulation through cuBLASLt, the bias (and ReLU) fused in the
 * epilogue. Row-major Y (N×out) = X (N×in) · Wᵀ + b is the column-major product
 * Yᵀ = op(W)ᵀ · Xᵀ with W in PyTorch's (out×in) layout: the "TN" form cuBLASLt is fastest at.
 * Descriptors and the chosen algorithm are cached per shape.
 */
import type { IKoffiLib } from "koffi";
import { CudaError } from "./cuda-error.ts";
import type { CudaDriver, DevicePtr } from "./driver.ts";
import { loadKoffi } from "./koffi.ts";

const CUDA_R_16BF = 14;
const CUBLAS_COMPUTE_32F = 68;
const CUDA_R_32F = 0;
const OP_N = 0, OP_T = 1;
const DESC_TRANSA = 3, DESC_TRANSB = 4, DESC_EPILOGUE = 7, DESC_BIAS_POINTER = 8;
const EPILOGUE = { none: 1, bias: 4, reluBias: 6 } as const;
const PREF_MAX_WORKSPACE = 1;
const HEURISTIC_BYTES = 96;
const WORKSPACE_BYTES = 32 << 20;

export type Epilogue = keyof typeof EPILOGUE;

interface Plan {
  desc: unknown;
  a: unknown;
  b: unknown;
  d: unknown;
  algo: Buffer;
  workspace: number;
}

export class CublasLt {
  private readonly f: Record<string, (...args: unknown[]) => number>;
  private readonly handle: unknown;
  private readonly plans = new Map<string, Plan>();
  private readonly workspace: DevicePtr;
  private readonly one = Float32Array.of(1);
  private readonly zero = Float32Array.of(0);
  private readonly biasSlot = new BigUint64Array(1);

  constructor(lib: IKoffiLib, private readonly driver: CudaDriver) {
    loadKoffi();
    const decl: Record<string, string> = {
      create: "int cublasLtCreate(_Out_ void **handle)",
      descCreate: "int cublasLtMatmulDescCreate(_Out_ void **desc, int computeType, int scaleType)",
      descSet: "int cublasLtMatmulDescSetAttribute(void *desc, int attr, const void *buf, size_t size)",
      layoutCreate: "int cublasLtMatrixLayoutCreate(_Out_ void **layout, int type, uint64_t rows, uint64_t cols, int64_t ld)",
      prefCreate: "int cublasLtMatmulPreferenceCreate(_Out_ void **pref)",
      prefSet: "int cublasLtMatmulPreferenceSetAttribute(void *pref, int attr, const void *buf, size_t size)",
      heuristic:
        "int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, _Out_ uint8_t *results, _Out_ int *count)",
      matmul:
        "int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t A, void *Adesc, uint64_t B, void *Bdesc, const void *beta, uint64_t C, void *Cdesc, uint64_t D, void *Ddesc, const void *algo, uint64_t workspace, size_t workspaceSize, void *stream)",
    };
    this.f = Object.fromEntries(Object.entries(decl).map(([k, sig]) => [k, lib.func(sig) as (...args: unknown[]) => number]));
    this.handle = this.out("cublasLtCreate", (o) => this.f["create"]!(o));
    this.workspace = driver.alloc(WORKSPACE_BYTES);
  }

  private check(call: string, code: number): void {
    if (code !== 0) throw new CudaError(call, code, `cublasStatus ${code}`, code === 3 ? "out of GPU memory" : undefined);
  }
  private out(call: string, f: (o: unknown[]) => number): unknown {
    const o: unknown[] = [null];
    this.check(call, f(o));
    return o[0];
  }

  private plan(N: number, inF: number, outF: number, epilogue: Epilogue): Plan {
    const key = `${N}:${inF}:${outF}:${epilogue}`;
    let p = this.plans.get(key);
    if (p) return p;
    const desc = this.out("cublasLtMatmulDescCreate", (o) => this.f["descCreate"]!(o, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    this.check("cublasLtMatmulDescSetAttribute(TRANSA)", this.f["descSet"]!(desc, DESC_TRANSA, Int32Array.of(OP_T), 4));
    this.check("cublasLtMatmulDescSetAttribute(TRANSB)", this.f["descSet"]!(desc, DESC_TRANSB, Int32Array.of(OP_N), 4));
    this.check("cublasLtMatmulDescSetAttribute(EPILOGUE)", this.f["descSet"]!(desc, DESC_EPILOGUE, Int32Array.of(EPILOGUE[epilogue]), 4));
    const layout = (rows: number, cols: number, ld: number) => this.out("cublasLtMatrixLayoutCreate", (o) => this.f["layoutCreate"]!(o, CUDA_R_16BF, rows, cols, ld));
    const a = layout(inF, outF, inF), b = layout(inF, N, inF), d = layout(outF, N, outF);
    const pref = this.out("cublasLtMatmulPreferenceCreate", (o) => this.f["prefCreate"]!(o));
    this.check("cublasLtMatmulPreferenceSetAttribute", this.f["prefSet"]!(pref, PREF_MAX_WORKSPACE, BigUint64Array.of(BigInt(WORKSPACE_BYTES)), 8));
    const results = Buffer.alloc(HEURISTIC_BYTES);
    const count: number[] = [0];
    this.check("cublasLtMatmulAlgoGetHeuristic", this.f["heuristic"]!(this.handle, desc, a, b, d, d, pref, 1, results, count));
    if (count[0] === 0) throw new CudaError("cublasLtMatmulAlgoGetHeuristic", 15, "no algorithm for this shape", `bf16 GEMM ${N}×${inF}→${outF}`);
    p = { desc, a, b, d, algo: results, workspace: Number(results.readBigUInt64LE(64)) };
    if (this.plans.size > 512) this.plans.clear();
    this.plans.set(key, p);
    return p;
  }

  /** y (N×outF, bf16) = x (N×inF, bf16) · Wᵀ (W outF×inF, bf16) + bias (outF, bf16), optionally ReLU'd */
  linear(x: DevicePtr, W: DevicePtr, bias: DevicePtr | undefined, y: DevicePtr, N: number, inF: number, outF: number, relu = false): void {
    const epilogue: Epilogue = bias === undefined ? "none" : relu ? "reluBias" : "bias";
    if (relu && bias === undefined) throw new Error("ReLU without bias is not fused");
    const p = this.plan(N, inF, outF, epilogue);
    if (bias !== undefined) {
      this.biasSlot[0] = bias;
      this.check("cublasLtMatmulDescSetAttribute(BIAS_POINTER)", this.f["descSet"]!(p.desc, DESC_BIAS_POINTER, this.biasSlot, 8));
    }
    this.check(
      "cublasLtMatmul",
      this.f["matmul"]!(this.handle, p.desc, this.one, W, p.a, x, p.b, this.zero, y, p.d, y, p.d, p.algo, this.workspace, WORKSPACE_BYTES, this.driver.streamHandle),
    );
  }
}
