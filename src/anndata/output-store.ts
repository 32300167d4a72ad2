/**
 * The output store: created once from the input (a zarr, v2 or v3, is copied byte for byte, so its
 * arrays keep their codecs and sharding; an h5ad is converted to zarr v3 or v2; both
 * streamed into a temp directory renamed into place), under a lock so that the CPU and GPU
 * sections may race to create it. The input is only ever read.
 */
import { copyFile, mkdir, readdir, realpath, rename, rm, stat, chmod } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import { isAbandoned, siblingTempPath } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";
import { openTree } from "../store/open-tree.ts";
import { detectFormat } from "../store/open-tree.ts";
import { zarrFormatOf, type ZarrFormat } from "../store/zarr-node.ts";
import { treeToZarr } from "./tree-to-zarr.ts";

export function storeLockPath(output: string): string {
  return `${output}.lock`;
}

export type Creation = "created" | "existing";

export interface OutputStoreOptions {
  /** the zarr format an .h5ad input is converted to (default 3, what anndata 0.13 writes); a zarr input keeps its own */
  zarrFormat?: ZarrFormat;
}

export async function ensureOutputStore(
  input: string,
  output: string,
  opts: OutputStoreOptions = {},
): Promise<Creation> {
  await refuseSamePath(input, output);
  await mkdir(dirname(output), { recursive: true });
  return withLock(storeLockPath(output), output, async () => {
    const existing = await stat(output).catch(() => undefined);
    if (existing) {
      if ((await zarrFormatOf(output)) === undefined) {
        throw new InputError("output path exists but is not a zarr store", {
          file: output,
          fix: "remove it or choose another output_dir",
        });
      }
      return "existing";
    }
    await removeAbandoned(dirname(output), basename(output));
    const tmp = siblingTempPath(output, "partial");
    try {
      if ((await detectFormat(input)) === "zarr") {
        await copyTree(input, tmp);
      } else {
        const tree = await openTree(input);
        try {
          await treeToZarr(tree, tmp, opts.zarrFormat ?? 3);
        } finally {
          tree.close();
        }
      }
      await rename(tmp, output);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return "created";
  });
}

async function refuseSamePath(input: string, output: string): Promise<void> {
  const a = await realpath(input).catch(() => input);
  const b = await realpath(output).catch(() => output);
  if (a === b) {
    throw new InputError("output would overwrite the input", {
      file: input,
      fix: "choose an output_dir different from the input's folder",
    });
  }
}

/** Copies a directory tree file by file, making the copies writable (inputs are often read-only). */
async function copyTree(src: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (entry.name.endsWith(".lock") || /^\.X_.*\.(writing|trash)-/.test(entry.name)) continue;
    const from = join(src, entry.name),
      to = join(dest, entry.name);
    if (entry.isDirectory()) await copyTree(from, to);
    else if (entry.isFile()) {
      await copyFile(from, to);
      await chmod(to, 0o644);
    }
  }
}

/** Removes `.partial-*` leftovers of creations that crashed. Call under the store lock. */
async function removeAbandoned(dir: string, base: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith(`.${base}.partial-`)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && isAbandoned(name, info.mtimeMs, 3_600_000)) await rm(join(dir, name), { recursive: true, force: true });
  }
}
