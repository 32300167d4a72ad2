/**
 * What every embedding method provides. A method declares what it consumes (`input`) and the
 * options it reads (a zod schema, validated at config load); `prepare` does the per-file (or
 * dataset-level, cached) setup and returns an embedder; the pipeline streams the declared input
 * in row blocks and `embed` maps one block to one block of output rows.
 */
import type { z } from "zod";
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { Logger } from "../logger.ts";
import type { PhaseTimes } from "../phase-times.ts";
import type { CsrBlock } from "../numerics/csr.ts";
import type { TokenCacheReader, TokenRows } from "../store/token-cache.ts";

export type Hardware = "cpu" | "gpu";

/** What `embed` receives for rows [r0, r1), by the method's declared input. */
export interface InputBlocks {
  /** log1p(normalize_total(counts, 1e4)), or X as stored when it already is that */
  lognorm: CsrBlock;
  /** raw counts: layers['counts'], or X when it holds counts */
  counts: CsrBlock;
  /** the cells' tokens, as the method's preparation wrote them */
  tokens: TokenRows;
}
export type MethodInput = keyof InputBlocks;
/** The inputs the pipeline reads from the file itself. */
export type ExpressionInput = Exclude<MethodInput, "tokens">;

/** One file's expression streams, chosen once per file (and logged) by the pipeline. */
export interface FileInputs {
  /** chooses the stream's source now, so a missing input fails before anything is written */
  open(input: ExpressionInput): Promise<void>;
  /** the key of the matrix raw counts are read from as stored (layers/counts, or X), for readers of their own */
  countsKey(): Promise<string>;
  /** rows [r0, r1) */
  read(input: ExpressionInput, r0: number, r1: number): Promise<CsrBlock>;
  /** the whole file in consecutive blocks of at most `rows` rows (the section's chunk_rows by default) */
  blocks(input: ExpressionInput, rows?: number): AsyncGenerator<{ r0: number; block: CsrBlock }>;
}

/** One file of a dataset, as a dataset-level scan sees it. */
export interface ExpressionFile {
  path: string;
  nObs: number;
  nVars: number;
  varNames: string[];
  obsColumn(name: string): Promise<unknown[]>;
}

export interface ScanVisitor {
  /** what the scan computes, for its progress lines (e.g. "hvg", "pca") */
  method?: string;
  /** rows per block, when the visitor wants fewer than the section's chunk_rows */
  blockRows?: number;
  begin?(file: ExpressionFile): Promise<void>;
  /** may return a promise, which the scan awaits before reading on (backpressure) */
  block(block: CsrBlock, r0: number): void | Promise<void>;
}

/** The dataset a file belongs to, for dataset-level preparation (HVG selection, PCA fit). */
export interface DatasetContext {
  /** every input file of the dataset, in plan order */
  files: string[];
  /** where preparation artifacts live (never inside the input tree) */
  cacheDir: string;
  /** the section's batch_key: obs column of the batches, for HVG selection */
  batchKey?: string | null;
  /** the expression streams of an open file of the dataset (one per reader) */
  inputs(reader: AnnDataReader): FileInputs;
  /** streams one file's log-normalized expression in row blocks; `begin` runs before the first */
  scan(path: string, visit: ScanVisitor): Promise<void>;
}

export interface MethodContext<O = unknown> {
  reader: AnnDataReader;
  /** the method's options (`init_kwargs`, its section block, `init_kwargs_<method>`), validated */
  options: O;
  /** `embedding_dim_map[method]`, when configured */
  configuredDim?: number;
  /** cells per forward batch (the section's batch_size) */
  batchSize?: number;
  log: Logger;
  dataset: DatasetContext;
  /** aborted when the task is interrupted: loops that take long check it between their steps */
  signal?: AbortSignal;
  /** the file's phase times: a method times its own steps here (tokenize, model load) */
  phases?: PhaseTimes;
  /**
   * a step of the preparation has failed while another still runs (to its end, so that the errors
   * keep their order): the method will fail, and the output store need not be finished for it
   */
  doomed?: () => void;
}

export interface Embedder<I extends MethodInput = MethodInput> {
  readonly dim: number;
  /** input "tokens": the token file prepared for this file, which the pipeline streams to `embed` */
  readonly tokens?: TokenCacheReader;
  /** writes rows × dim values into `out` (row-major, zeroed by the caller) for file rows [r0, r0 + rows) */
  embed(block: InputBlocks[I], out: Float32Array, r0: number): void | Promise<void>;
  /** boolean obs columns to record with the embedding, e.g. which cells the method could embed */
  obsColumns?(): { name: string; values: Uint8Array }[];
}

export interface EmbeddingMethod<O = unknown, I extends MethodInput = MethodInput> {
  readonly name: string;
  readonly hardware: Hardware;
  readonly description: string;
  readonly input: I;
  /** its options; unknown keys are warned about at config load, invalid values are errors */
  readonly options: z.ZodObject & z.ZodType<O>;
  /** old option names still read, with a deprecation warning: old → new */
  readonly renamedOptions?: Readonly<Record<string, string>>;
  /** the output width when it is known without reading the file */
  expectedDim(configuredDim?: number): number | undefined;
  /** what the file must contain, for `inspect` */
  readonly requires: readonly string[];
  prepare(ctx: MethodContext<O>): Promise<Embedder<I>>;
  /** the preparation phase alone (e.g. tokenization, without loading a model); defaults to `prepare` */
  prepareOnly?(ctx: MethodContext<O>): Promise<string>;
  /**
   * what the file needs beyond the declared input, without computing anything (for `inspect`);
   * `needs` names what the method also needs from the config (a model directory): not ready then
   */
  check?(reader: AnnDataReader): Promise<{ ready: boolean; detail: string; needs?: string }>;
}
