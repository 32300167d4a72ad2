/**
 * Per GEMM class (widths, epilogue, residual), the fastest of cuBLASLt's candidate algorithms
 * that writes exactly the bits of its first choice: tuning changes the speed, not the arithmetic.
 * It runs once per class, on the first call with at least TUNING_MIN_ROWS rows (a real batch, its
 * own tensors): each candidate (those that split no sum) once to warm up and fingerprint its
 * output, then timed (the best of TIMED_RUNS). The winner serves every row count of the class that
 * cuBLASLt accepts it for (one algorithm, one arithmetic, however the batches fall); the call
 * itself then runs as usual and rewrites the output.
 */
import { type CublasLt, gemmClass } from "./cublaslt.ts";
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
}

export interface TuningTools {
  /** milliseconds the stream spends on `work` */
  time(work: () => void): number;
  /** a fingerprint of `bytes` bytes at `ptr` (equal bits, equal fingerprints) */
  fingerprint(ptr: DevicePtr, bytes: number): bigint;
}

export function tuneGemm(blas: CublasLt, tools: TuningTools, call: GemmCall): GemmTuning {
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
  blas.prefer(c, algos[chosen]!);
  const what = `${outF}×${inF}${relu ? " relu" : ""}${residual !== undefined ? " +residual" : ""}`;
  return { gemm: what, rows: N, candidates, chosen, fingerprint: reference! };
}
