/**
 * The output store is created (an .h5ad converted on worker threads, a zarr copied) while the
 * methods prepare (tokenization, model load), and keeps being created while they embed: the
 * creation is returned unsettled, and the rows made meanwhile wait in DeferredObsmWriters
 * (nothing is written into the store before its creation has ended: renamed into place, the
 * input's identity recorded). A creation failure stops the preparations and the embedding (their
 * signal) and is the file's error (it names file and key); when every method fails to prepare,
 * the creation is stopped (its temp dir removed) and the methods' own errors are reported — as
 * soon as the last method's preparation is known to fail, while its other steps still run.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import { ensureOutputStore } from "../anndata/output-store.ts";
import type { PhaseTimes } from "../phase-times.ts";
import { type InputIdentity, recordIdentity } from "./input-identity.ts";
import { type FileRun, type Prepared, prepareMethod } from "./method-run.ts";
import type { EmbedSettings, Task } from "./plan.ts";

export interface CreateAndPrepare {
  task: Pick<Task, "input" | "output"> & { settings: EmbedSettings };
  reader: AnnDataReader;
  identity: InputIdentity;
  /** the methods to prepare; none: the store is only created */
  toRun: string[];
  run: FileRun;
  phases: PhaseTimes;
  fail: (method: string, err: unknown) => void;
}

export interface Preparation {
  prepared: Prepared[];
  /** settles when the store exists (or rejects with the creation's error) */
  created: Promise<void>;
  /** whether the creation has failed: method failures are then its consequence, not news */
  creationFailed: () => boolean;
}

export async function createWhilePreparing(a: CreateAndPrepare): Promise<Preparation> {
  const { task, reader, run, phases } = a;
  const stopCreation = new AbortController();
  const stopPreparation = new AbortController();
  /** the reason the creation is stopped when no method will write into the store (not a failure) */
  const notNeeded = new Error("no method prepared: the output store is not needed");
  const creating = phases.time("output store", async () => {
    const signal = run.signal ? AbortSignal.any([run.signal, stopCreation.signal]) : stopCreation.signal;
    const created = await ensureOutputStore(task.input, task.output, {
      zarrFormat: task.settings.outputZarrFormat,
      signal,
    });
    if (created === "created") {
      await recordIdentity(task.output, a.identity);
      run.log.info(`created ${task.output} from ${task.input}`);
    }
  });
  // awaited by the caller, after the embedding pass: meanwhile its failure stops both
  let failed = false;
  creating.catch((err: unknown) => {
    if (err === notNeeded) return;
    failed = true;
    stopPreparation.abort(err);
  });

  const signal = run.signal ? AbortSignal.any([run.signal, stopPreparation.signal]) : stopPreparation.signal;
  const prepared: Prepared[] = [];
  const failures: [string, unknown][] = [];
  for (const [i, name] of a.toRun.entries()) {
    // the last method's preparation, none before it prepared, will fail: the store is not needed
    const doomed = () => {
      if (i === a.toRun.length - 1 && prepared.length === 0) stopCreation.abort(notNeeded);
    };
    try {
      signal.throwIfAborted();
      prepared.push(await prepareMethod(name, reader, task.settings, { ...run, signal, phases, doomed }));
    } catch (err) {
      failures.push([name, err]);
    }
  }
  const nothingToWrite = a.toRun.length > 0 && prepared.length === 0;
  if (nothingToWrite) stopCreation.abort(notNeeded);
  const created = creating.catch((err: unknown) => {
    if (err !== notNeeded) throw err;
  });
  created.catch(() => {}); // awaited later; until then a failure must not count as unhandled
  if (nothingToWrite || failed) await created;
  for (const [name, err] of failures) a.fail(name, err);
  return { prepared, created, creationFailed: () => failed };
}
