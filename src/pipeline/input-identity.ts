/**
 * Which input an output was made from, so that a stale output is never skipped as complete nor
 * mixed with rows of another input. The identity (path, size, mtime and a content fingerprint:
 * sha256 of the obs names and X's shape and nnz) is recorded in the output's root attributes,
 * `scembed: {input: {...}}` (`.zattrs` in zarr v2, the root `zarr.json`'s attributes in v3, and the
 * consolidated copy of v2), and compared on every run before anything is skipped or added.
 *
 * Same input: the same fingerprint and size, and, at the same path, the same mtime (a moved or
 * copied input is still the same input; a rewritten one is not). A different input is an error
 * unless `overwrite` is set, which re-creates the output from the new input. An output that records
 * no identity (written before it was recorded) is accepted when its own cells match the input's,
 * with a warning, and the identity is recorded then.
 */
import { createHash } from "node:crypto";
import { readdir, rename, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { refreshConsolidated } from "../anndata/consolidated.ts";
import { storeLockPath } from "../anndata/output-store.ts";
import { InputError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { siblingTempPath } from "../store/fs-atomic.ts";
import { withLock } from "../store/lock.ts";
import { readNodeAttrs, writeNodeAttrs, zarrFormatOf } from "../store/zarr-node.ts";

export interface InputIdentity {
  path: string;
  /** bytes: the file, or every file of a directory store */
  size: number;
  /** ISO time of the last change: the file's, or the newest of a directory store's files */
  mtime: string;
  /** sha256 over the obs names, X's shape and X's nnz */
  fingerprint: string;
  n_obs: number;
  x_shape: number[] | null;
  /** stored values of a sparse X; null for a dense or absent X */
  x_nnz: number | null;
}

type Attrs = Record<string, unknown>;

/** The identity of an open input (or of an output's own content: its fingerprint is the input's). */
export async function inputIdentity(reader: AnnDataReader): Promise<InputIdentity> {
  const path = resolve(reader.path);
  const { size, mtimeMs } = await footprint(path);
  const { shape, nnz } = await xExtent(reader);
  const h = createHash("sha256");
  for (const name of await reader.obsNames()) h.update(`${name}\0`);
  h.update(JSON.stringify({ x_shape: shape, x_nnz: nnz }));
  return {
    path,
    size,
    mtime: new Date(mtimeMs).toISOString(),
    fingerprint: `sha256:${h.digest("hex")}`,
    n_obs: reader.nObs,
    x_shape: shape,
    x_nnz: nnz,
  };
}

export function sameInput(recorded: InputIdentity, current: InputIdentity): boolean {
  if (recorded.fingerprint !== current.fingerprint || recorded.size !== current.size) return false;
  return recorded.path !== current.path || recorded.mtime === current.mtime;
}

/** The identity an output records, if any. */
export async function recordedIdentity(store: string): Promise<InputIdentity | undefined> {
  const format = await zarrFormatOf(store);
  const attrs = format === undefined ? undefined : await readNodeAttrs(format, store);
  const input = (attrs?.["scembed"] as Attrs | undefined)?.["input"];
  return input && typeof input === "object" ? (input as InputIdentity) : undefined;
}

/** Records `identity` in the output's root attributes (and their consolidated copy), under the store lock. */
export async function recordIdentity(store: string, identity: InputIdentity): Promise<void> {
  await withLock(storeLockPath(store), store, async () => {
    const format = await zarrFormatOf(store);
    if (format === undefined)
      throw new InputError("the output has no root zarr metadata to record its input in", {
        file: store,
        fix: "remove the output and run again",
      });
    const attrs = (await readNodeAttrs(format, store)) ?? {};
    const next = { ...attrs, scembed: { ...((attrs["scembed"] as Attrs | undefined) ?? {}), input: identity } };
    await writeNodeAttrs(format, store, next);
    // v2's consolidated copy of the root attributes (v3 keeps none: the root is its own zarr.json)
    if (format === 2) await refreshConsolidated(store, [""]);
  });
}

/**
 * Before anything is skipped or added to an existing output: is it this input's? Returns whether
 * the output still exists (false when `overwrite` removed an output of another input).
 */
export async function reconcileOutput(
  output: string,
  current: InputIdentity,
  overwrite: boolean,
  log: Logger,
): Promise<boolean> {
  const recorded = await recordedIdentity(output);
  if (recorded && sameInput(recorded, current)) return true;
  if (!recorded) {
    const own = await contentOf(output);
    if (!own) return true; // not an AnnData zarr store: creating the output says so
    if (own.fingerprint === current.fingerprint) {
      const say = own.hasEmbeddings ? log.warn.bind(log) : log.info.bind(log);
      say(
        `${output} records no input identity (written before scembed recorded it); its cells and X match ${current.path}: accepted, identity recorded`,
      );
      await recordIdentity(output, current);
      return true;
    }
  }
  const was = recorded
    ? describe(recorded)
    : "an input with other cells (its obs names or X differ; no identity recorded)";
  if (!overwrite) {
    throw new InputError(`the output was made from another input: ${was}; the input now is ${describe(current)}`, {
      file: output,
      key: "scembed.input (root attributes)",
      fix: "rerun with overwrite (--overwrite or ++<section>.overwrite=true) to re-create the output from this input, or choose another output_dir",
    });
  }
  log.warn(`overwrite: ${output} was made from another input (${was}); re-creating it from ${current.path}`);
  await withLock(storeLockPath(output), output, async () => {
    const trash = siblingTempPath(output, "trash");
    await rename(output, trash);
    await rm(trash, { recursive: true, force: true });
  });
  return false;
}

function describe(i: InputIdentity): string {
  return `${i.path} (${i.size} bytes, modified ${i.mtime}, ${i.n_obs} cells, ${i.fingerprint.slice(0, 19)}…)`;
}

/** The fingerprint of an output's own cells, and whether it holds any embedding. */
async function contentOf(store: string): Promise<{ fingerprint: string; hasEmbeddings: boolean } | undefined> {
  const reader = await AnnDataReader.open(store).catch(() => undefined);
  if (!reader) return undefined;
  try {
    const { fingerprint } = await inputIdentity(reader);
    return { fingerprint, hasEmbeddings: (await reader.obsm()).some((e) => e.key.startsWith("X_")) };
  } finally {
    reader.close();
  }
}

/** X's shape and nnz, from metadata alone. */
async function xExtent(reader: AnnDataReader): Promise<{ shape: number[] | null; nnz: number | null }> {
  const x = await reader.tree.get("X");
  if (!x) return { shape: null, nnz: null };
  if (x.kind === "array") return { shape: [...x.shape], nnz: null };
  const data = await reader.tree.get("X/data");
  const shape = Array.isArray(x.attrs["shape"]) ? (x.attrs["shape"] as number[]).map(Number) : null;
  return { shape, nnz: data?.kind === "array" ? (data.shape[0] ?? 0) : null };
}

/** Size (sum over files) and newest mtime of a file or a directory store. */
async function footprint(path: string): Promise<{ size: number; mtimeMs: number }> {
  const info = await stat(path);
  if (!info.isDirectory()) return { size: info.size, mtimeMs: info.mtimeMs };
  let size = 0,
    mtimeMs = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) await walk(p);
      else if (entry.isFile()) {
        const s = await stat(p);
        size += s.size;
        mtimeMs = Math.max(mtimeMs, s.mtimeMs);
      }
    }
  };
  await walk(path);
  return { size, mtimeMs };
}
