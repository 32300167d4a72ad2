/**
 * Dataset-level preparation artifacts (HVG selections, fitted PCA), as JSON files named by a hash
 * of what they were computed from: the input files' identity (every file's path, size and mtime
 * under the keys read) and the settings. Computed once under a lock, written atomically, so a
 * partial artifact is never used and a changed input gets a new one.
 */
import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "./fs-atomic.ts";
import { withLock } from "./lock.ts";

/** path/size/mtime of a file, or of every file below the given keys of a directory store. */
export function fileIdentity(path: string, keys: string[] = ["X", "layers/counts", "var", "obs"]): string {
  const h = createHash("sha256");
  const info = statSync(path);
  if (!info.isDirectory()) {
    h.update(`${path}\0${info.size}\0${info.mtimeMs}`);
    return h.digest("hex");
  }
  const walk = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) walk(join(p, name));
    else h.update(`${p}\0${st.size}\0${st.mtimeMs}\n`);
  };
  for (const k of keys) walk(join(path, k));
  return h.digest("hex");
}

export function artifactKey(kind: string, settings: unknown, files: string[]): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ kind, settings }));
  for (const f of files) h.update(`${f}\0${fileIdentity(f)}\n`);
  return `${kind}-${h.digest("hex").slice(0, 24)}`;
}

export async function cachedArtifact<T>(
  cacheDir: string,
  key: string,
  compute: () => Promise<T>,
): Promise<{ value: T; cached: boolean }> {
  const path = join(cacheDir, `${key}.json`);
  const read = async () => {
    try {
      return JSON.parse(await readFile(path, "utf8")) as T;
    } catch {
      return undefined;
    }
  };
  const existing = await read();
  if (existing !== undefined) return { value: existing, cached: true };
  await mkdir(cacheDir, { recursive: true });
  return withLock(`${path}.lock`, path, async () => {
    const again = await read();
    if (again !== undefined) return { value: again, cached: true };
    const value = await compute();
    await writeJsonAtomic(path, value);
    return { value, cached: false };
  });
}
