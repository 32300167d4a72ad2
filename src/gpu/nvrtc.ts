/**
 * Run-time compilation of our .cu kernels with NVRTC, for the GPU's own architecture (sm_XY
 * machine code, so Hopper runs Hopper code). Compiled images are cached on disk, keyed by the
 * source, the options and the architecture: a second run loads them without compiling.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { IKoffiLib } from "koffi";
import { check, checkOut, thenRelease } from "./check.ts";

export interface Compiler {
  version: string;
  compile(source: string, name: string, options: string[]): Uint8Array;
}

export function kernelCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env["SCEMBED_KERNEL_CACHE"] ?? join(env["XDG_CACHE_HOME"] ?? join(homedir(), ".cache"), "scembed", "kernels");
}

export function nvrtcCompiler(lib: IKoffiLib): Compiler {
  const f = {
    version: lib.func("int nvrtcVersion(_Out_ int *major, _Out_ int *minor)"),
    create: lib.func(
      "int nvrtcCreateProgram(_Out_ void **prog, const char *src, const char *name, int numHeaders, void *headers, void *includeNames)",
    ),
    compile: lib.func("int nvrtcCompileProgram(void *prog, int numOptions, const char **options)"),
    logSize: lib.func("int nvrtcGetProgramLogSize(void *prog, _Out_ size_t *size)"),
    log: lib.func("int nvrtcGetProgramLog(void *prog, _Out_ uint8_t *log)"),
    cubinSize: lib.func("int nvrtcGetCUBINSize(void *prog, _Out_ size_t *size)"),
    cubin: lib.func("int nvrtcGetCUBIN(void *prog, _Out_ uint8_t *cubin)"),
    destroy: lib.func("int nvrtcDestroyProgram(_Inout_ void **prog)"),
  };
  /** a buffer filled by `get` after `getSize` said how large it must be */
  const sized = (
    what: string,
    prog: unknown,
    getSize: (prog: unknown, size: number[]) => number,
    get: (prog: unknown, buf: Buffer) => number,
  ) => {
    const size: number[] = [0];
    check(`nvrtcGet${what}Size`, getSize(prog, size));
    const buf = Buffer.alloc(Number(size[0]));
    check(`nvrtcGet${what}`, get(prog, buf));
    return buf;
  };
  const major: number[] = [0],
    minor: number[] = [0];
  check("nvrtcVersion", f.version(major, minor));
  return {
    version: `${major[0]}.${minor[0]}`,
    compile(source, name, options) {
      const prog = checkOut("nvrtcCreateProgram", (o) => f.create(o, source, name, 0, null, null));
      return thenRelease(
        () => {
          const status = f.compile(prog, options.length, options);
          if (status !== 0) {
            const log = sized("ProgramLog", prog, f.logSize, f.log).toString("utf8").replace(/\0+$/, "");
            check(`nvrtcCompileProgram(${name})`, status, `compiler log:\n${log}`);
          }
          return sized("CUBIN", prog, f.cubinSize, f.cubin);
        },
        () => check("nvrtcDestroyProgram", f.destroy([prog])),
      );
    },
  };
}

/** The compiled image of `source` for `arch`, from the disk cache or freshly compiled. */
export function compileCached(
  compiler: Compiler,
  source: string,
  name: string,
  options: string[],
  cacheDir = kernelCacheDir(),
): Uint8Array {
  const key = createHash("sha256")
    .update(JSON.stringify([compiler.version, name, options, source]))
    .digest("hex")
    .slice(0, 32);
  const path = join(cacheDir, `${name.replace(/[^a-zA-Z0-9_.-]/g, "_")}-${key}.cubin`);
  if (existsSync(path)) return readFileSync(path);
  const image = compiler.compile(source, name, options);
  try {
    mkdirSync(cacheDir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, image);
    renameSync(tmp, path);
  } catch {
    /* a read-only cache only costs a compile next time */
  }
  return image;
}
