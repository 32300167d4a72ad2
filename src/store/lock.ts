/**
 * A lock file beside the thing it guards, taken with O_EXCL (atomic on local disks and NFSv3+).
 * The holder refreshes its mtime; a lock whose process is gone (same host) or whose mtime is
 * older than `staleMs` (other hosts) is broken by renaming it away first, so two breakers cannot
 * both win.
 */
import { hostname } from "node:os";
import { open, readFile, rename, rm, stat, utimes, link } from "node:fs/promises";
import { LockError } from "../errors.ts";
import { processAlive, siblingTempPath } from "./fs-atomic.ts";

export interface LockOptions {
  timeoutMs?: number;
  staleMs?: number;
  pollMs?: number;
}

interface Owner {
  host: string;
  pid: number;
  token: string;
}

export async function withLock<T>(
  lockPath: string,
  what: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const release = await acquire(lockPath, what, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function acquire(lockPath: string, what: string, opts: LockOptions): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  const staleMs = opts.staleMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  const owner: Owner = { host: hostname(), pid: process.pid, token: Math.random().toString(36).slice(2) };
  let wait = opts.pollMs ?? 20;
  for (;;) {
    try {
      const fh = await open(lockPath, "wx");
      await fh.writeFile(JSON.stringify(owner));
      await fh.close();
      const beat = setInterval(
        () => void utimes(lockPath, new Date(), new Date()).catch(() => {}),
        Math.max(1000, staleMs / 4),
      );
      beat.unref();
      return async () => {
        clearInterval(beat);
        const current = await readOwner(lockPath);
        if (current?.token === owner.token) await rm(lockPath, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    await breakIfStale(lockPath, staleMs);
    if (Date.now() > deadline) {
      const holder = await readOwner(lockPath);
      throw new LockError(`timed out waiting for the lock on ${what}`, {
        file: lockPath,
        fix: `held by ${holder ? `pid ${holder.pid} on ${holder.host}` : "an unknown process"}; if no such process runs, delete ${lockPath}`,
      });
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(wait * 2, 500);
  }
}

async function readOwner(lockPath: string): Promise<Owner | undefined> {
  try {
    return JSON.parse(await readFile(lockPath, "utf8")) as Owner;
  } catch {
    return undefined;
  }
}

async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  const [owner, info] = await Promise.all([readOwner(lockPath), stat(lockPath).catch(() => undefined)]);
  if (!info) return;
  const sameHost = owner?.host === hostname();
  const stale = sameHost ? !processAlive(owner!.pid) : Date.now() - info.mtimeMs > staleMs;
  if (!stale) return;
  const aside = siblingTempPath(lockPath, "stale");
  try {
    await rename(lockPath, aside);
  } catch {
    return; // someone else broke or released it
  }
  const moved = await readOwner(aside);
  if (owner && moved && moved.token !== owner.token) {
    // we moved a fresh lock taken in between: put it back unless another was taken meanwhile
    await link(aside, lockPath).catch(() => {});
  }
  await rm(aside, { force: true });
}
