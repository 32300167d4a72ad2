/** File-system steps that never leave a half-written file behind. */
import { randomBytes } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { hostname } from "node:os";

/** A sibling name unique to this process: `<dir>/.<base>.<tag>-<host>-<pid>-<rand>`. */
export function siblingTempPath(path: string, tag: string): string {
  return join(
    dirname(path),
    `.${basename(path)}.${tag}-${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`,
  );
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = siblingTempPath(path, "tmp");
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 4));
}

/** Parses `.<base>.<tag>-<host>-<pid>-<rand>` names back, to find leftovers of dead processes. */
export function parseTempName(name: string): { base: string; tag: string; host: string; pid: number } | undefined {
  const m = /^\.(.+)\.([a-z]+)-(.+)-(\d+)-[0-9a-f]{8}$/.exec(name);
  return m ? { base: m[1]!, tag: m[2]!, host: m[3]!, pid: Number(m[4]) } : undefined;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A temp entry is abandoned when its process on this host is gone, or it is older than maxAgeMs. */
export function isAbandoned(name: string, mtimeMs: number, maxAgeMs: number): boolean {
  const parsed = parseTempName(name);
  if (!parsed) return false;
  if (parsed.host === hostname()) return !processAlive(parsed.pid);
  return Date.now() - mtimeMs > maxAgeMs;
}
