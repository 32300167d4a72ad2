/**
 * bf16 GEMMs with float32 accumulation through cuBLASLt, the bias (and ReLU) fused in the
 * epilogue. Row-major Y (N×out) = X (N×in) · Wᵀ + b is the column-major product
 * Yᵀ = op(W)ᵀ · Xᵀ with W in PyTorch's (out×in) layout: the "TN" form cuBLASLt is fastest at.
 * A residual is summed in the same pass as C (β = 1), so the LayerNorm after it reads one tensor.
 * Descriptors and the chosen algorithm are cached per shape; plans evicted from the cache are destroyed.
 * The algorithm is cuBLASLt's first choice, or the one `prefer` set for the shape's class (its
 * widths, epilogue and residual; any row count) where cuBLASLt accepts it for these rows.
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
const ALGO_BYTES = 64;
/** cublasLtMatmulAlgoConfigAttributes_t, in order from 0: what describe() prints */
const ALGO_CONFIG = ["id", "tile", "splitK", "reduction", "swizzle", "custom", "stages", "inner", "cluster"];
const ALGO_SPLITK = 2,
  ALGO_REDUCTION = 3;
const WORKSPACE_BYTES = 32 << 20;
const MAX_PLANS = 512;

export type Epilogue = keyof typeof EPILOGUE;

/** a GEMM's class: the algorithm that suits one row count suits the others */
export interface GemmClass {
  inF: number;
  outF: number;
  epilogue: Epilogue;
  residual: boolean;
}
export const classKey = (c: GemmClass) => `${c.inF}:${c.outF}:${c.epilogue}:${c.residual ? "r" : ""}`;

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
  /** per class: the algorithm (64 bytes) to use where cuBLASLt accepts it */
  private readonly preferred = new Map<string, Buffer>();
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
      check:
        "int cublasLtMatmulAlgoCheck(void *handle, void *desc, void *a, void *b, void *c, void *d, const void *algo, _Out_ uint8_t *result)",
      config:
        "int cublasLtMatmulAlgoConfigGetAttribute(const void *algo, int attr, _Out_ uint8_t *buf, size_t size, _Out_ size_t *written)",
      matmul:
        "int cublasLtMatmul(void *handle, void *desc, const void *alpha, uint64_t A, void *Adesc, uint64_t B, void *Bdesc, const void *beta, uint64_t C, void *Cdesc, uint64_t D, void *Ddesc, const void *algo, uint64_t workspace, size_t workspaceSize, void *stream)",
    };
    this.f = Object.fromEntries(
      Object.entries(decl).map(([k, sig]) => [k, lib.func(sig) as (...args: unknown[]) => number]),
    );
    this.handle = checkOut("cublasLtCreate", (o) => this.f["create"]!(o));
    this.workspace = driver.alloc(WORKSPACE_BYTES);
  }

  private plan(N: number, c: GemmClass): Plan {
    const { inF, outF, epilogue } = c;
    const key = `${N}:${classKey(c)}`;
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
        const shaped = made as Omit<Plan, "algo">;
        const preferred = this.preferred.get(classKey(c));
        made.algo =
          preferred && this.accepts(shaped, preferred)
            ? preferred
            : this.heuristics(shaped, 1, `bf16 GEMM ${N}×${inF}→${outF}`)[0]!;
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

  /** cuBLASLt's choices of algorithm for the plan's shapes (up to `count`, best first), within our workspace */
  private heuristics(p: Omit<Plan, "algo">, count: number, shape: string): Buffer[] {
    const pref = checkOut("cublasLtMatmulPreferenceCreate", (o) => this.f["prefCreate"]!(o));
    return thenRelease(
      () => {
        check(
          "cublasLtMatmulPreferenceSetAttribute",
          this.f["prefSet"]!(pref, PREF_MAX_WORKSPACE, BigUint64Array.of(BigInt(WORKSPACE_BYTES)), 8),
        );
        const results = Buffer.alloc(HEURISTIC_BYTES * count);
        const found: number[] = [0];
        check(
          "cublasLtMatmulAlgoGetHeuristic",
          this.f["heuristic"]!(this.handle, p.desc, p.a, p.b, p.d, p.d, pref, count, results, found),
        );
        if (found[0] === 0)
          throw new CudaError("cublasLtMatmulAlgoGetHeuristic", 15, "no algorithm for this shape", shape);
        return Array.from({ length: found[0]! }, (_, i) =>
          Buffer.from(results.subarray(i * HEURISTIC_BYTES, i * HEURISTIC_BYTES + ALGO_BYTES)),
        );
      },
      () => check("cublasLtMatmulPreferenceDestroy", this.f["prefDestroy"]!(pref)),
    );
  }

  /** whether cuBLASLt runs `algo` on the plan's shapes within our workspace */
  private accepts(p: Omit<Plan, "algo">, algo: Buffer): boolean {
    const result = Buffer.alloc(HEURISTIC_BYTES);
    if (this.f["check"]!(this.handle, p.desc, p.a, p.b, p.d, p.d, algo, result) !== 0) return false;
    return result.readBigUInt64LE(ALGO_BYTES) <= BigInt(WORKSPACE_BYTES);
  }

  /**
   * cuBLASLt's algorithms for N rows of the class, best first (at most `count`): candidates for
   * `prefer`. Only those that split no sum (split-K 1, no reduction scheme), the first choice first
   * whatever it is: only they can write its bits. (Asked for 16, the tuning of V1's 768×256 hung an
   * H200 past the first 8, which had all run: which candidate is not known.)
   */
  candidates(N: number, c: GemmClass, count: number): Buffer[] {
    const [first, ...rest] = this.heuristics(this.plan(N, c), count, `bf16 GEMM ${N}×${c.inF}→${c.outF}`);
    const whole = (algo: Buffer) => this.config(algo, ALGO_SPLITK) === 1n && this.config(algo, ALGO_REDUCTION) === 0n;
    return [first!, ...(whole(first!) ? rest.filter(whole) : [])];
  }

  /** from now on the class runs `algo` wherever cuBLASLt accepts it (plans made before are remade) */
  prefer(c: GemmClass, algo: Buffer): void {
    this.preferred.set(classKey(c), Buffer.from(algo));
    for (const [key, p] of this.plans)
      if (key.endsWith(`:${classKey(c)}`)) {
        this.destroy(p);
        this.plans.delete(key);
      }
  }

  /** an algorithm's configuration, as cuBLASLt reports it ("id 66 tile 30 splitK 1 …") */
  describe(algo: Buffer): string {
    return ALGO_CONFIG.map((name, attr) => `${name} ${this.config(algo, attr) ?? "?"}`).join(" ");
  }

  /** one attribute of an algorithm's configuration (undefined where cuBLASLt does not say) */
  private config(algo: Buffer, attr: number): bigint | undefined {
    // the size must be the attribute's own: asked first
    const size: number[] = [0];
    const value = Buffer.alloc(16);
    this.f["config"]!(algo, attr, value, 0, size);
    const ok = size[0]! > 0 && size[0]! <= 8 && this.f["config"]!(algo, attr, value, size[0], size) === 0;
    return ok ? value.readBigUInt64LE(0) : undefined;
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
    algo?: Buffer,
  ): void {
    if (relu && bias === undefined) throw new Error("ReLU without bias is not fused");
    if (residual !== undefined && (relu || residual === y))
      throw new Error("a residual is summed only without ReLU, into another tensor");
    const p = this.plan(N, gemmClass(inF, outF, bias !== undefined, relu, residual !== undefined));
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
        algo ?? p.algo,
        this.workspace,
        WORKSPACE_BYTES,
        this.driver.streamHandle,
      ),
    );
  }
}

/** the class of y = x·Wᵀ (+ bias, ReLU'd) (+ residual) */
export function gemmClass(inF: number, outF: number, bias: boolean, relu: boolean, residual: boolean): GemmClass {
  return { inF, outF, epilogue: !bias ? "none" : relu ? "reluBias" : "bias", residual };
}
