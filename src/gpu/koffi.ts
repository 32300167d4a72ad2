/** koffi (an FFI with prebuilt binaries on npm), loaded lazily so CPU-only runs never touch it. */
import { createRequire } from "node:module";

export type Koffi = typeof import("koffi");
let koffi: Koffi | undefined;

export function loadKoffi(): Koffi {
  koffi ??= createRequire(import.meta.url)("koffi") as Koffi;
  return koffi;
}

/** Opens the first loadable path of `paths`; returns it with the library, or the errors seen. */
export function openFirst(paths: string[]): { path: string; lib: import("koffi").IKoffiLib } | { errors: string[] } {
  const k = loadKoffi();
  const errors: string[] = [];
  for (const path of paths) {
    try {
      return { path, lib: k.load(path) };
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  return { errors };
}
