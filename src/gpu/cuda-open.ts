/**
 * Opens the CUDA device: finds and loads the three libraries, then builds the CudaDevice. Says
 * which libraries were found where; a missing one is an error naming the folders searched and
 * the variable that points at them.
 */
import type { IKoffiLib } from "koffi";
import type { CudaDevice } from "./cuda-device.ts";
import { CudaUnavailable } from "./cuda-error.ts";
import { candidates, LIBRARIES, searchDirs } from "./cuda-libraries.ts";
import { openFirst } from "./koffi.ts";

export interface CudaLibraries {
  cuda: IKoffiLib;
  cublasLt: IKoffiLib;
  nvrtc: IKoffiLib;
  /** which file each came from */
  paths: Record<"cuda" | "cublasLt" | "nvrtc", string>;
}

export function openCudaLibraries(env: NodeJS.ProcessEnv = process.env): CudaLibraries {
  const libs: Partial<Record<"cuda" | "cublasLt" | "nvrtc", IKoffiLib>> = {};
  const paths: Partial<Record<"cuda" | "cublasLt" | "nvrtc", string>> = {};
  const missing: string[] = [];
  for (const spec of LIBRARIES) {
    const r = openFirst(candidates(spec, env));
    if ("lib" in r) {
      libs[spec.key] = r.lib;
      paths[spec.key] = r.path;
    } else {
      const loadable = r.errors.filter((e) => !/cannot open shared object file/.test(e));
      missing.push(`${spec.names.join(" / ")} (${spec.what})${loadable.length > 0 ? `: ${loadable[0]}` : ""}`);
    }
  }
  if (missing.length > 0) {
    throw new CudaUnavailable(`CUDA libraries not found: ${missing.join("; ")}`, {
      fix: `install the NVIDIA driver and the CUDA 12/13 libraries (cuBLAS, NVRTC), or point SCEMBED_CUDA_LIB_DIR at their folder; searched ${searchDirs(env).join(", ")}`,
    });
  }
  return { ...(libs as Omit<CudaLibraries, "paths">), paths: paths as CudaLibraries["paths"] };
}

/** A CUDA device on GPU `ordinal` of those visible (CUDA_VISIBLE_DEVICES). */
export async function openCudaDevice(ordinal = 0, env: NodeJS.ProcessEnv = process.env): Promise<{ device: CudaDevice; paths: CudaLibraries["paths"] }> {
  const libs = openCudaLibraries(env);
  const { CudaDevice } = await import("./cuda-device.ts");
  return { device: new CudaDevice(libs, ordinal), paths: libs.paths };
}
