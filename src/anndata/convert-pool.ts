/**
 * An .h5ad → zarr conversion spread over worker threads: the groups are written here, then the
 * arrays (independent of one another) are converted by up to `threads` workers, largest first,
 * each worker one array at a time; the main thread stays free (tokenization, model load run on
 * it meanwhile). Small inputs (IN_PROCESS_BYTES) convert on the calling thread instead. The
 * first failure, or the signal, stops every worker before this returns, so the
 * caller may remove the destination at once. The result is the same bytes as `treeToZarr` (an
 * array under two keys converted once, then copied).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { bytesPerElement, isNumericDtype } from "../store/dtype.ts";
import { openTree } from "../store/open-tree.ts";
import type { ZarrFormat } from "../store/zarr-node.ts";
import { consolidateV3 } from "./consolidated.ts";
import { convertArray, copyLinks, splitLinks, writeGroups } from "./tree-to-zarr.ts";
import { fromWire, type WireError } from "./worker-error.ts";

const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
const WORKER = new URL(`./convert-worker${EXT}`, import.meta.url);

/**
 * Inputs whose arrays hold less than this (uncompressed) are converted on the calling thread:
 * starting a worker (it loads the HDF5 reader and opens the file) costs about a second of a core.
 * With few cores that second is not won back below 256 MiB; with 8 or more the workers start side
 * by side and keep the calling thread free for the methods (a GPU forward pass runs meanwhile), so
 * from 32 MiB up.
 */
export const IN_PROCESS_BYTES = availableParallelism() >= 8 ? 32 * 1024 * 1024 : 256 * 1024 * 1024;

export interface ConvertOptions {
  /** worker threads (default: os.availableParallelism(), at most one per array) */
  threads?: number;
  /** below this many bytes of array data, no workers (default IN_PROCESS_BYTES; tests set 0) */
  inProcessBytes?: number;
  /** stops the conversion: the workers are terminated and the signal's reason is thrown */
  signal?: AbortSignal;
}

export async function convertToZarr(
  input: string,
  dest: string,
  format: ZarrFormat,
  opts: ConvertOptions = {},
): Promise<void> {
  const tree = await openTree(input);
  const sized: { key: string; bytes: number }[] = [];
  let threads = 1;
  let links: { from: string; to: string }[] = [];
  try {
    const split = await splitLinks(tree, await writeGroups(tree, dest, format));
    links = split.links;
    for (const key of split.unique) {
      const node = await tree.get(key);
      if (node?.kind !== "array") continue;
      const itemsize = isNumericDtype(node.dtype) ? bytesPerElement(node.dtype) : 16;
      sized.push({ key, bytes: node.shape.reduce((a, b) => a * b, 1) * itemsize });
    }
    threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), sized.length));
    // starting workers (each opens the file) costs about a second: small inputs convert right here
    if (threads === 1 || sized.reduce((a, s) => a + s.bytes, 0) < (opts.inProcessBytes ?? IN_PROCESS_BYTES)) {
      for (const { key } of sized) {
        opts.signal?.throwIfAborted();
        await convertArray(tree, key, dest, format);
      }
      await copyLinks(dest, links);
      if (format === 3) await consolidateV3(dest);
      return;
    }
  } finally {
    tree.close();
  }
  const queue = sized.sort((a, b) => b.bytes - a.bytes).map((s) => s.key);
  const workers = Array.from({ length: threads }, () => startWorker({ input, dest, format }));
  const { signal } = opts;
  const stopAll = () => void Promise.all(workers.map((w) => w.stop()));
  signal?.addEventListener("abort", stopAll);
  let failed = false;
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let key = queue.shift(); key !== undefined && !failed; key = queue.shift()) {
          signal?.throwIfAborted();
          await w.run(key).catch((err: unknown) => {
            failed = true;
            throw signal?.aborted ? signal.reason : err;
          });
        }
      }),
    );
  } finally {
    signal?.removeEventListener("abort", stopAll);
    await Promise.all(workers.map((w) => w.stop()));
  }
  await copyLinks(dest, links);
  if (format === 3) await consolidateV3(dest);
}

interface ConvertWorker {
  /** converts one array; rejects with its error (file and key named), or when the worker stops */
  run(key: string): Promise<void>;
  /** terminates the worker, resolving once it has stopped (and so writes nothing more) */
  stop(): Promise<unknown>;
}

function startWorker(workerData: { input: string; dest: string; format: ZarrFormat }): ConvertWorker {
  const worker = new Worker(WORKER, { workerData });
  let pending: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let exited: unknown;
  const settle = (err?: unknown) => {
    const p = pending;
    pending = undefined;
    if (err === undefined) p?.resolve();
    else p?.reject(err);
  };
  worker.on("message", (m: { key: string; error?: WireError }) => settle(m.error && fromWire(m.error)));
  worker.on("error", (err) => settle((exited ??= err)));
  worker.on("exit", (code) => settle((exited ??= new Error(`the conversion worker stopped (exit code ${code})`))));
  return {
    run: (key) =>
      new Promise<void>((resolve, reject) => {
        if (exited !== undefined) return reject(exited);
        pending = { resolve, reject };
        worker.postMessage(key);
      }),
    stop: () => worker.terminate(),
  };
}
