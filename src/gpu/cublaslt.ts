/**
 * bf16 GEMMs with float32 accumulation through cuBLASLt, the bias (and ReLU) fused in the
 * epilogue. Row-major Y (N×out) = X (N×in) · Wᵀ + b is the column-major product
 * Yᵀ = op(W)ᵀ · Xᵀ with W in PyTorch's (out×in) layout: the "TN" form cuBLASLt is fastest at.
 * A residual is summed in the same pass as C (β = 1), so the LayerNorm after it reads one tensor.
 * Descriptors and the chosen algorithm are cached per shape; plans evicted from the cache are destroyed.
 */
import type { IKoffiLib } from "koffi";
import { CudaError } from "../errors.ts";
import { check, checkOut, thenRelease, undoOnFailure } from "./check.ts";
import type { CudaDriver, DevicePtr } from "./driver.ts";
import { loadKoffi } from "./koffi.ts";

const CUDA_R_16BF = 14;
const CUBLAS_COMPUTE_32F = 68;
const CUDA_R_32F = 0;
const OP_N = 0,
  OP_T = 1;
const DESC_TRANSA = 3,
  DESC_TRANSB = 4,
  DESC_EPILOGUE = 7,
  DESC_BIAS_POINTER = 8;
const EPILOGUE = { none: 1, bias: 4, reluBias: 6 } as const;
const PREF_MAX_WORKSPACE = 1;
const HEURISTIC_BYTES = 96;
const WORKSPACE_BYTES = 32 << 20;
const MAX_PLANS = 512;

export type Epilogue = keyof typeof EPILOGUE;

/** a matmul descriptor, the layouts of A (W), B (x) and C = D (y), and the algorithm chosen for them */
interface Plan {
  desc: unknown;
  a: unknown;
  b: unknown;
  d: unknown;
  algo: Buffer;
}

export class CublasLt {
  private readonly f: Record<string, (...args: unknown[]) => number>;
  private readonly handle: unknown;
  private readonly plans = new Map<string, Plan>();
  private readonly workspace: DevicePtr;
  private readonly one = Float32Array.of(1);
  private readonly zero = Float32Array.of(0);
  private readonly biasSlot = new BigUint64Array(1);

  constructor(
    lib: IKoffiLib,
    private readonly driver: CudaDriver,
  ) {
    loadKoffi();
    const decl: Record<string, string> = {
      create: "int cublasLtCreate(_Out_ void **handle)",
      descCreate: "int cublasLtMatmulDescCreate(_Out_ void **desc, int computeType, int scaleType)",
      descSet: "int cublasLtMatmulDescSetAttribute(void *desc, int attr, const void *buf, size_t size)",
      descDestroy: "int cublasLtMatmulDescDestroy(void *desc)",
      layoutCreate:
        "int cublasLtMatrixLayoutCreate(_Out_ void **layout, int type, uint64_t rows, uint64_t cols, int64_t ld)",
      layoutDestroy: "int cublasLtMatrixLayoutDestroy(void *layout)",
      prefCreate: "int cublasLtMatmulPreferenceCreate(_Out_ void **pref)",
      prefSet: "int cublasLtMatmulPreferenceSetAttribute(void *pref, int attr, const void *buf, size_t size)",
      prefDestroy: "int cublasLtMatmulPreferenceDestroy(void *pref)",
      heuristic:
        "int cublasLtMatmulAlgoGetHeuristic(void *handle, void *desc, void *a, void *b, void *c, void *d, void *pref, int requested, _Out_ uint8_t *results, _Out_ int *count)",
      matmul:
        "int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t A, void *Adesc, uint64_t B, void *Bdesc, const void *beta, uint64_t C, void *Cdesc, uint64_t D, void *Ddesc, const void *algo, uint64_t workspace, size_t workspaceSize, void *stream)",
    };
    this.f = Object.fromEntries(
      Object.entries(decl).map(([k, sig]) => [k, lib.func(sig) as (...args: unknown[]) => number]),
    );
    this.handle = checkOut("cublasLtCreate", (o) => this.f["create"]!(o));
    this.workspace = driver.alloc(WORKSPACE_BYTES);
  }

  private plan(N: number, inF: number, outF: number, epilogue: Epilogue): Plan {
    const key = `${N}:${inF}:${outF}:${epilogue}`;
    let p = this.plans.get(key);
    if (p) return p;
    const made: Partial<Plan> = {};
    p = undoOnFailure(
      () => {
        made.desc = checkOut("cublasLtMatmulDescCreate", (o) =>
          this.f["descCreate"]!(o, CUBLAS_COMPUTE_32F, CUDA_R_32F),
        );
        this.setDesc(made.desc, "TRANSA", DESC_TRANSA, Int32Array.of(OP_T));
        this.setDesc(made.desc, "TRANSB", DESC_TRANSB, Int32Array.of(OP_N));
        this.setDesc(made.desc, "EPILOGUE", DESC_EPILOGUE, Int32Array.of(EPILOGUE[epilogue]));
        const layout = (rows: number, cols: number, ld: number) =>
          checkOut("cublasLtMatrixLayoutCreate", (o) => this.f["layoutCreate"]!(o, CUDA_R_16BF, rows, cols, ld));
        made.a = layout(inF, outF, inF);
        made.b = layout(inF, N, inF);
        made.d = layout(outF, N, outF);
        made.algo = this.bestAlgorithm(made as Omit<Plan, "algo">, `bf16 GEMM ${N}×${inF}→${outF}`);
        return made as Plan;
      },
      () => this.destroy(made),
    );
    if (this.plans.size > MAX_PLANS) {
      for (const old of this.plans.values()) this.destroy(old);
      this.plans.clear();
    }
    this.plans.set(key, p);
    return p;
  }

  private setDesc(desc: unknown, name: string, attr: number, value: Int32Array | BigUint64Array): void {
    check(`cublasLtMatmulDescSetAttribute(${name})`, this.f["descSet"]!(desc, attr, value, value.byteLength));
  }

  /** cuBLASLt's first choice of algorithm for the plan's shapes, within our workspace */
  private bestAlgorithm(p: Omit<Plan, "algo">, shape: string): Buffer {
    const pref = checkOut("cublasLtMatmulPreferenceCreate", (o) => this.f["prefCreate"]!(o));
    return thenRelease(
      () => {
        check(
          "cublasLtMatmulPreferenceSetAttribute",
          this.f["prefSet"]!(pref, PREF_MAX_WORKSPACE, BigUint64Array.of(BigInt(WORKSPACE_BYTES)), 8),
        );
        const results = Buffer.alloc(HEURISTIC_BYTES);
        const count: number[] = [0];
        check(
          "cublasLtMatmulAlgoGetHeuristic",
          this.f["heuristic"]!(this.handle, p.desc, p.a, p.b, p.d, p.d, pref, 1, results, count),
        );
        if (count[0] === 0)
          throw new CudaError("cublasLtMatmulAlgoGetHeuristic", 15, "no algorithm for this shape", shape);
        return results;
      },
      () => check("cublasLtMatmulPreferenceDestroy", this.f["prefDestroy"]!(pref)),
    );
  }

  /** destroys a plan's descriptors (the host-side objects: work already queued with them is unaffected) */
  private destroy(p: Partial<Plan>): void {
    for (const layout of [p.a, p.b, p.d])
      if (layout) check("cublasLtMatrixLayoutDestroy", this.f["layoutDestroy"]!(layout));
    if (p.desc) check("cublasLtMatmulDescDestroy", this.f["descDestroy"]!(p.desc));
  }

  /**
   * y (N×outF, bf16) = x (N×inF, bf16) · Wᵀ (W outF×inF, bf16) + bias (outF, bf16), optionally
   * ReLU'd, or plus `residual` (N×outF, bf16, not y itself; not with ReLU)
   */
  linear(
    x: DevicePtr,
    W: DevicePtr,
    bias: DevicePtr | undefined,
    y: DevicePtr,
    N: number,
    inF: number,
    outF: number,
    relu = false,
    residual?: DevicePtr,
  ): void {
    const epilogue: Epilogue = bias === undefined ? "none" : relu ? "reluBias" : "bias";
    if (relu && bias === undefined) throw new Error("ReLU without bias is not fused");
    if (residual !== undefined && (relu || residual === y))
      throw new Error("a residual is summed only without ReLU, into another tensor");
    const p = this.plan(N, inF, outF, epilogue);
    if (bias !== undefined) {
      this.biasSlot[0] = bias;
      this.setDesc(p.desc, "BIAS_POINTER", DESC_BIAS_POINTER, this.biasSlot);
    }
    check(
      "cublasLtMatmul",
      this.f["matmul"]!(
        this.handle,
        p.desc,
        this.one,
        W,
        p.a,
        x,
        p.b,
        residual === undefined ? this.zero : this.one,
        residual ?? y,
        p.d,
        y,
        p.d,
        p.algo,
        this.workspace,
        WORKSPACE_BYTES,
        this.driver.streamHandle,
      ),
    );
  }
}
