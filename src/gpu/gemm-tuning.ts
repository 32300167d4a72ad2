/**
 * Per GEMM class (widths, epilogue, residual), the fastest of cuBLASLt's candidate algorithms
 * that writes exactly the bits of its first choice on the batch it is tuned on. It runs once per class, on the first call with at least TUNING_MIN_ROWS rows (a real batch, its
 * own tensors): each candidate (those that split no sum) once to warm up and fingerprint its
 * output, then timed (the best of TIMED_RUNS). The winner serves every row count of the class that
 * cuBLASLt accepts it for (one algorithm however the batches fall; at other row counts its bits are
 * not compared with what cuBLASLt's own first choice there would write); the call itself then runs
 * as usual and rewrites the output.
 */
import { type CublasLt, classKey, gemmClass } from "./cublaslt.ts";
import type { DevicePtr } from "./driver.ts";

export const TUNING_MIN_ROWS = 16384;
const CANDIDATES = 8;
const TIMED_RUNS = 3;

export interface GemmCall {
  x: DevicePtr;
  W: DevicePtr;
  bias: DevicePtr | undefined;
  y: DevicePtr;
  N: number;
  inF: number;
  outF: number;
  relu: boolean;
  residual: DevicePtr | undefined;
}

export interface TunedCandidate {
  /** cuBLASLt's configuration of the algorithm */
  name: string;
  /** milliseconds a call (Infinity: cuBLASLt refused to run it) */
  ms: number;
  /** same output bits as the first candidate's */
  identical: boolean;
}

export interface GemmTuning {
  gemm: string;
  rows: number;
  /** in cuBLASLt's order (its first choice first) */
  candidates: TunedCandidate[];
  /** the index of the candidate now used */
  chosen: number;
  /** the output's fingerprint (TuningTools): every candidate marked identical wrote it */
  fingerprint: bigint;
  /** why tuning stopped (the class then keeps cuBLASLt's first choices) */
  failed?: string;
}

export interface TuningTools {
  /** milliseconds the stream spends on `work` */
  time(work: () => void): number;
  /** a fingerprint of `bytes` bytes at `ptr` (equal bits, equal fingerprints) */
  fingerprint(ptr: DevicePtr, bytes: number): bigint;
}

/**
 * Tunes each class once, before its first call worth it (≥ TUNING_MIN_ROWS rows, an output of whole
 * 4-byte words); a failure there (out of memory, say) is recorded and leaves the class on
 * cuBLASLt's first choices, and the call itself runs as it would have untuned.
 */
export class GemmTuner {
  readonly tunings: GemmTuning[] = [];
  private readonly tuned = new Set<string>();

  constructor(
    private readonly blas: CublasLt,
    private readonly tools: TuningTools,
    private readonly enabled: boolean,
  ) {}

  /** `label` names the GEMM in the tunings ("768×3072 relu") */
  before(call: GemmCall, label: string): void {
    if (!this.enabled || call.N < TUNING_MIN_ROWS || (call.N * call.outF) % 2 !== 0) return;
    const key = classKey(
      gemmClass(call.inF, call.outF, call.bias !== undefined, call.relu, call.residual !== undefined),
    );
    if (this.tuned.has(key)) return;
    this.tuned.add(key);
    try {
      this.tunings.push(tuneGemm(this.blas, this.tools, call, label));
    } catch (err) {
      const failed = (err as Error).message;
      this.tunings.push({ gemm: label, rows: call.N, candidates: [], chosen: 0, fingerprint: 0n, failed });
    }
  }
}

export function tuneGemm(blas: CublasLt, tools: TuningTools, call: GemmCall, label: string): GemmTuning {
  const { x, W, bias, y, N, inF, outF, relu, residual } = call;
  const c = gemmClass(inF, outF, bias !== undefined, relu, residual !== undefined);
  const algos = blas.candidates(N, c, CANDIDATES);
  let reference: bigint | undefined;
  const candidates = algos.map((algo, i): TunedCandidate => {
    const name = blas.describe(algo);
    const run = () => blas.linear(x, W, bias, y, N, inF, outF, relu, residual, algo);
    try {
      run();
    } catch (err) {
      if (i === 0) throw err; // cuBLASLt's own first choice: a real failure
      return { name, ms: Infinity, identical: false };
    }
    const print = tools.fingerprint(y, N * outF * 2);
    reference ??= print;
    const ms = Math.min(...Array.from({ length: TIMED_RUNS }, () => tools.time(run)));
    return { name, ms, identical: print === reference };
  });
  let chosen = 0;
  candidates.forEach((t, i) => {
    if (t.identical && t.ms < candidates[chosen]!.ms) chosen = i;
  });
  // a single candidate (or a first choice that splits its sums) leaves each row count its own first choice
  if (candidates.length > 1) blas.prefer(c, algos[chosen]!);
  return { gemm: label, rows: N, candidates, chosen, fingerprint: reference! };
}
