/**
 * Finds the CUDA libraries the device needs: the driver (libcuda), cuBLASLt and NVRTC. Searched in
 * SCEMBED_CUDA_LIB_DIR, CUDA_HOME / CUDA_PATH, LD_LIBRARY_PATH, the usual install folders, then by
 * bare name through the dynamic loader. The report says which were found where, or which are missing.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

export interface LibrarySpec {
  key: "cuda" | "cublasLt" | "nvrtc";
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
  for (const home of [env["CUDA_HOME"], env["CUDA_PATH"]]) if (home) dirs.push(join(home, "lib64"), join(home, "targets/x86_64-linux/lib"));
  if (env["LD_LIBRARY_PATH"]) dirs.push(...env["LD_LIBRARY_PATH"].split(":"));
  dirs.push("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib");
  try {
    for (const d of readdirSync("/usr/local").filter((n) => n.startsWith("cuda-")).sort().reverse()) {
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
  for (const dir of searchDirs(env)) for (const name of spec.names) if (existsSync(join(dir, name))) found.push(join(dir, name));
  return [...found, ...spec.names];
}
