/**
 * Every status a CUDA library call returns passes through check(): anything but success (0) is
 * thrown as a CudaError naming the call and the status. The call's name says which library
 * answered (cublasLt… cuBLASLt, nvrtc… NVRTC, any other cu… the driver); once the libraries are
 * open, each names its own statuses (cuGetErrorName, cublasLtGetStatusName, nvrtcGetErrorString).
 */
import type { IKoffiLib } from "koffi";
import { CudaError } from "../errors.ts";

type Library = "driver" | "cublasLt" | "nvrtc";
type StatusNamer = (status: number) => string | undefined;

/** how a status reads where its library has not named it */
const NUMBERED: Record<Library, string> = { driver: "CUresult", cublasLt: "cublasStatus", nvrtc: "nvrtcResult" };
const CUBLAS_STATUS_ALLOC_FAILED = 3;
let namers: Partial<Record<Library, StatusNamer>> = {};

function libraryOf(call: string): Library {
  if (call.startsWith("cublasLt")) return "cublasLt";
  if (call.startsWith("nvrtc")) return "nvrtc";
  return "driver";
}

/** Throws a CudaError for a failed `status` of `call`; `fix` says what to do about it. */
export function check(call: string, status: number, fix?: string): void {
  if (status === 0) return;
  const library = libraryOf(call);
  const name = namers[library]?.(status) ?? `${NUMBERED[library]} ${status}`;
  const outOfMemory = library === "cublasLt" && status === CUBLAS_STATUS_ALLOC_FAILED; // a name that doesn't say so
  throw new CudaError(call, status, name, fix ?? (outOfMemory ? "out of GPU memory" : undefined));
}

/** Calls `f` with a one-slot out-parameter (a handle, a count), checks its status and returns what it wrote. */
export function checkOut(call: string, f: (out: unknown[]) => number): unknown {
  const out: unknown[] = [null];
  check(call, f(out));
  return out[0];
}

/** Runs `work`; where it throws, `undo` destroys what it had made, and work's error is thrown (not undo's). */
export function undoOnFailure<T>(work: () => T, undo: () => void): T {
  try {
    return work();
  } catch (e) {
    try {
      undo();
    } catch {
      /* work's error is the one to report */
    }
    throw e;
  }
}

/** Runs `work`, then `release` (which destroys what `work` used); returns what `work` returned. */
export function thenRelease<T>(work: () => T, release: () => void): T {
  const result = undoOnFailure(work, release);
  release();
  return result;
}

/** From now on the opened libraries name their own statuses. */
export function useStatusNames(libs: { cuda: IKoffiLib; cublasLt: IKoffiLib; nvrtc: IKoffiLib }): void {
  const cuGetErrorName = libs.cuda.func("int cuGetErrorName(int error, _Out_ const char **name)");
  const cublasLtGetStatusName = libs.cublasLt.func("const char *cublasLtGetStatusName(int status)");
  const nvrtcGetErrorString = libs.nvrtc.func("const char *nvrtcGetErrorString(int result)");
  namers = {
    driver: (status) => {
      const name: (string | null)[] = [null];
      return cuGetErrorName(status, name) === 0 && name[0] ? name[0] : undefined;
    },
    cublasLt: (status) => (cublasLtGetStatusName(status) as string | null) ?? undefined,
    nvrtc: (status) => (nvrtcGetErrorString(status) as string | null) ?? undefined,
  };
}
