/**
 * A zarr → zarr copy: the files of a directory tree copied as they are (chunks and shards are
 * never decoded), `threads` of them at a time, as copy-on-write clones where the file system
 * offers them (COPYFILE_FICLONE falls back to a plain copy); the copies are made writable (inputs
 * are often read-only). Locks and the temp arrays of interrupted writers are left out.
 */
import { constants } from "node:fs";
import { chmod, copyFile, mkdir, readdir } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { allDone } from "../store/all-done.ts";

export interface CopyOptions {
  /** files copied at a time (default: 4 × os.availableParallelism(): the copies wait on the disk) */
  threads?: number;
  signal?: AbortSignal;
}

export async function copyTree(src: string, dest: string, opts: CopyOptions = {}): Promise<void> {
  const files: [string, string][] = [];
  await makeDirs(src, dest, files);
  const queue = files.reverse();
  const lanes = Math.max(1, Math.min(opts.threads ?? 4 * availableParallelism(), queue.length));
  let failed = false;
  // every lane has stopped before this returns (or throws the first error): nothing writes into
  // `dest` once the caller removes it
  await allDone(
    Array.from({ length: lanes }, async () => {
      for (let pair = queue.pop(); pair && !failed; pair = queue.pop()) {
        try {
          opts.signal?.throwIfAborted();
          await copyFile(pair[0], pair[1], constants.COPYFILE_FICLONE);
          await chmod(pair[1], 0o644);
        } catch (err) {
          failed = true;
          throw err;
        }
      }
    }),
  );
}

/** Creates the directories of `dest` and lists the files to copy into it, in tree order. */
async function makeDirs(src: string, dest: string, files: [string, string][]): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (entry.name.endsWith(".lock") || /^\.X_.*\.(writing|trash)-/.test(entry.name)) continue;
    const from = join(src, entry.name),
      to = join(dest, entry.name);
    if (entry.isDirectory()) await makeDirs(from, to, files);
    else if (entry.isFile()) files.push([from, to]);
  }
}
