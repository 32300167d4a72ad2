/**
 * One method on one file: its context (the file, its validated options, the dataset), its
 * preparation, and the check that its declared input can be read, before anything is written.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { Logger } from "../logger.ts";
import type { PhaseTimes } from "../phase-times.ts";
import { getMethod } from "../methods/registry.ts";
import type { DatasetContext, Embedder, EmbeddingMethod, MethodContext, MethodInput } from "../methods/method.ts";
import type { EmbedSettings } from "./plan.ts";

export interface FileRun {
  dataset: DatasetContext;
  log: Logger;
  /** report the embedding pass's progress (through the logger, which decides how it shows) */
  progress?: boolean;
  /** aborted when the task is interrupted (see src/executors/task-signals.ts) */
  signal?: AbortSignal;
  /** where the file's phase times are kept (the embed log's last line of the file) */
  phases?: PhaseTimes;
  /** hears that the method being prepared will fail (see MethodContext.doomed) */
  doomed?: () => void;
}

export interface Prepared {
  method: EmbeddingMethod;
  embedder: Embedder;
}

function contextFor(
  method: EmbeddingMethod,
  reader: AnnDataReader,
  settings: EmbedSettings,
  run: FileRun,
): MethodContext {
  return {
    reader,
    options: settings.options[method.name],
    configuredDim: settings.dimMap[method.name],
    batchSize: settings.batchSize,
    log: run.log,
    dataset: run.dataset,
    signal: run.signal,
    phases: run.phases,
    doomed: run.doomed,
  };
}

/** Opens the stream a method reads; tokens are made from raw counts by the method's own preparation. */
async function openInput(input: MethodInput, reader: AnnDataReader, run: FileRun): Promise<void> {
  if (input !== "tokens") await run.dataset.inputs(reader).open(input);
}

export async function prepareMethod(
  name: string,
  reader: AnnDataReader,
  settings: EmbedSettings,
  run: FileRun,
): Promise<Prepared> {
  const method = getMethod(name);
  const ctx = contextFor(method, reader, settings, run);
  const embedder = await (run.phases?.time(`prepare ${name}`, () => method.prepare(ctx)) ?? method.prepare(ctx));
  if (method.input === "tokens" && !embedder.tokens)
    throw new Error(`${name} declares tokens as its input but prepared none`);
  await openInput(method.input, reader, run);
  return { method, embedder };
}

/** The preparation phase of one method: what it builds ahead of embedding, as a line for the report. */
export async function prepareOnly(
  name: string,
  reader: AnnDataReader,
  settings: EmbedSettings,
  run: FileRun,
): Promise<string> {
  const method = getMethod(name);
  const ctx = contextFor(method, reader, settings, run);
  await openInput(method.input, reader, run);
  return method.prepareOnly ? method.prepareOnly(ctx) : `dim ${(await method.prepare(ctx)).dim}`;
}
