/**
 * What an interrupted process removes on its way out: the temp entries it was writing (named by
 * siblingTempPath with this host and pid: the obsm writer's `.X_<m>.writing-*` arrays, a store
 * being created `.<out>.partial-*`, atomic-write `.tmp-*` files) and the locks it holds, under the
 * outputs and caches it works on. It is what crash recovery removes for a dead process, done at
 * once for this one. Synchronous, so that a signal handler can run it and exit.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import { parseTempName } from "../store/fs-atomic.ts";

/** paths this process writes (output stores, cache dirs), with how many tasks use each */
const tracked = new Map<string, number>();

/** Tracks the output stores and cache dirs of a running task; the returned function untracks them. */
export function trackWrites(...paths: string[]): () => void {
  for (const p of paths) tracked.set(p, (tracked.get(p) ?? 0) + 1);
  return () => {
    for (const p of paths) {
      const n = (tracked.get(p) ?? 1) - 1;
      if (n <= 0) tracked.delete(p);
      else tracked.set(p, n);
    }
  };
}

/** Removes this process's temp entries and locks under the tracked paths; returns what it removed. */
export function removeOwnTemps(): string[] {
  const removed = new Set<string>();
  const sweep = () => {
    for (const path of tracked.keys()) {
      for (const dir of [dirname(path), path, join(path, "obsm"), join(path, "obs")]) {
        for (const name of list(dir)) {
          const entry = join(dir, name);
          if (isOwnTemp(name) || (name.endsWith(".lock") && isOwnLock(entry))) {
            rmSync(entry, { recursive: true, force: true });
            removed.add(entry);
          }
        }
      }
    }
  };
  sweep();
  // a write already handed to the thread pool may land after the sweep: wait for it, sweep again
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  sweep();
  return [...removed];
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isOwnTemp(name: string): boolean {
  const t = parseTempName(name);
  return t !== undefined && t.pid === process.pid && t.host === hostname();
}

function isOwnLock(path: string): boolean {
  try {
    const owner = JSON.parse(readFileSync(path, "utf8")) as { host?: string; pid?: number };
    return owner.pid === process.pid && owner.host === hostname();
  } catch {
    return false;
  }
}
