/**
 * Our CUDA kernels: one readable .cu file per op under src/gpu/kernels/, each prefixed with
 * common.cuh, compiled by NVRTC for the device's architecture (cached on disk) and loaded as a
 * module. A kernel file's `#include "x.cuh"` lines are replaced by those headers (from the same
 * folder) before compiling. Variants (the attention head width) are compile-time defines. A kernel that uses an
 * architecture's own instructions (wgmma: sm_90a) names that target; the others get sm_XY.
 */
import { readFileSync } from "node:fs";
import { packagePath } from "../package-root.ts";
import type { CudaDriver } from "./driver.ts";
import { compileCached, type Compiler } from "./nvrtc.ts";

export class KernelSet {
  private readonly functions = new Map<string, unknown>();
  private readonly modules = new Map<string, unknown>();

  constructor(
    private readonly driver: CudaDriver,
    private readonly compiler: Compiler,
  ) {}

  private module(file: string, defines: Record<string, number>, target: string | undefined): unknown {
    const key = `${file}:${JSON.stringify(defines)}:${target}`;
    let m = this.modules.get(key);
    if (!m) {
      const [major, minor] = this.driver.info.computeCapability;
      const source = kernelSource(file);
      const options = [
        `--gpu-architecture=${target ?? `sm_${major}${minor}`}`,
        "--std=c++17",
        ...Object.entries(defines).map(([k, v]) => `-D${k}=${v}`),
      ];
      m = this.driver.loadModule(compileCached(this.compiler, source, file, options));
      this.modules.set(key, m);
    }
    return m;
  }

  /** the kernel `name` of `file` (compiled with `defines`, for `target` if given) */
  get(file: string, name: string, defines: Record<string, number> = {}, target?: string): unknown {
    const key = `${file}:${name}:${JSON.stringify(defines)}:${target}`;
    let f = this.functions.get(key);
    if (!f) this.functions.set(key, (f = this.driver.getFunction(this.module(file, defines, target), name)));
    return f;
  }
}

/** what NVRTC compiles for a kernel file: common.cuh, then the file with each `#include
 * "<header>.cuh"` replaced by that header's text */
export function kernelSource(file: string): string {
  const read = (name: string) => readFileSync(packagePath("src/gpu/kernels", name), "utf8");
  return `${read("common.cuh")}\n${read(file).replace(/^#include "([\w.-]+\.cuh)"$/gm, (_, header: string) => read(header))}`;
}
