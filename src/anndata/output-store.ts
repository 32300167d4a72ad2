/**
 * The output store: created once from the input (a zarr, v2 or v3, is copied byte for byte, so its
 * arrays keep their codecs and sharding; an h5ad is converted to zarr v3 or v2; both
 * streamed into a temp directory renamed into place), under a lock so that the CPU and GPU
 * sections may race to create it. The input is only ever read. Conversion runs on worker threads
 * and a copy copies files concurrently, so the creation may overlap a method's preparation (see
 * src/pipeline/embed-file.ts); only the rename, after the last byte, makes the store exist.
 */
import { mkdir, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.ts";
import { isAbandoned, siblingTempPath } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";
import { detectFormat } from "../store/open-tree.ts";
import { zarrFormatOf, type ZarrFormat } from "../store/zarr-node.ts";
import { convertToZarr } from "./convert-pool.ts";
import { copyTree } from "./copy-tree.ts";

export function storeLockPath(output: string): string {
  return `${output}.lock`;
}

export type Creation = "created" | "existing";

export interface OutputStoreOptions {
  /** the zarr format an .h5ad input is converted to (default 3, what anndata 0.13 writes); a zarr input keeps its own */
  zarrFormat?: ZarrFormat;
  /** threads (conversion) or concurrent file copies (zarr input); default os.availableParallelism() */
  threads?: number;
  /** an .h5ad with less array data than this converts without worker threads (convert-pool.ts) */
  inProcessBytes?: number;
  /** stops a creation under way: its temp dir is removed and the signal's reason thrown */
  signal?: AbortSignal;
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
      if ((await detectFormat(input)) === "zarr") await copyTree(input, tmp, opts);
      else await convertToZarr(input, tmp, opts.zarrFormat ?? 3, opts);
      opts.signal?.throwIfAborted();
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

/** Removes `.partial-*` leftovers of creations that crashed. Call under the store lock. */
async function removeAbandoned(dir: string, base: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith(`.${base}.partial-`)) continue;
    const info = await stat(join(dir, name)).catch(() => undefined);
    if (info && isAbandoned(name, info.mtimeMs, 3_600_000)) await rm(join(dir, name), { recursive: true, force: true });
  }
}
