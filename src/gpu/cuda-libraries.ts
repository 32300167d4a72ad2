/**
 * Finds and opens the CUDA libraries the device needs: the driver (libcuda), cuBLASLt and NVRTC.
 * Searched in SCEMBED_CUDA_LIB_DIR, CUDA_HOME / CUDA_PATH, LD_LIBRARY_PATH, the usual install
 * folders, then by bare name through the dynamic loader. Says which were found where; a missing one
 * is an error naming the folders searched and the variable that points at them.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { IKoffiLib } from "koffi";
import { useStatusNames } from "./check.ts";
import { CudaUnavailable } from "./cuda-error.ts";
import { openFirst } from "./koffi.ts";

type LibraryKey = "cuda" | "cublasLt" | "nvrtc";

export interface LibrarySpec {
  key: LibraryKey;
  /** what provides it */
  what: string;
  names: string[];
}

export const LIBRARIES: LibrarySpec[] = [
  { key: "cuda", what: "the NVIDIA driver", names: ["libcuda.so.1", "libcuda.so"] },
  { key: "cublasLt", what: "cuBLAS", names: ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"] },
  { key: "nvrtc", what: "NVRTC", names: ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"] },
];

export function searchDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs: string[] = [];
  if (env["SCEMBED_CUDA_LIB_DIR"]) dirs.push(...env["SCEMBED_CUDA_LIB_DIR"].split(":"));
  for (const home of [env["CUDA_HOME"], env["CUDA_PATH"]])
    if (home) dirs.push(join(home, "lib64"), join(home, "targets/x86_64-linux/lib"));
  if (env["LD_LIBRARY_PATH"]) dirs.push(...env["LD_LIBRARY_PATH"].split(":"));
  dirs.push("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib");
  try {
    for (const d of readdirSync("/usr/local")
      .filter((n) => n.startsWith("cuda-"))
      .sort()
      .reverse()) {
      dirs.push(join("/usr/local", d, "lib64"), join("/usr/local", d, "targets/x86_64-linux/lib"));
    }
  } catch {
    /* no /usr/local */
  }
  dirs.push("/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64");
  return [...new Set(dirs.filter((d) => d !== ""))];
}

/** Candidate paths for one library, most specific first; bare names last (the loader's own search). */
export function candidates(spec: LibrarySpec, env: NodeJS.ProcessEnv = process.env): string[] {
  const found: string[] = [];
  for (const dir of searchDirs(env))
    for (const name of spec.names) if (existsSync(join(dir, name))) found.push(join(dir, name));
  return [...found, ...spec.names];
}

export interface CudaLibraries {
  cuda: IKoffiLib;
  cublasLt: IKoffiLib;
  nvrtc: IKoffiLib;
  /** which file each came from */
  paths: Record<LibraryKey, string>;
}

/** Opens the three libraries (their statuses named by themselves from then on), or says which are missing. */
export function openCudaLibraries(env: NodeJS.ProcessEnv = process.env): CudaLibraries {
  const libs: Partial<Record<LibraryKey, IKoffiLib>> = {};
  const paths: Partial<Record<LibraryKey, string>> = {};
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
  const opened = { ...(libs as Omit<CudaLibraries, "paths">), paths: paths as CudaLibraries["paths"] };
  useStatusNames(opened);
  return opened;
}
