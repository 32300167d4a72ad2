/**
 * What every embedding method provides. `prepare` does the per-file (or dataset-level, cached)
 * setup and returns an embedder; `embed` maps one block of rows to one block of output rows.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { CsrBlock } from "../numerics/csr.ts";
import type { Logger } from "../pipeline/logger.ts";

export type Hardware = "cpu" | "gpu";

/** What a method reads from each row block: log-normalized expression, or nothing (it reads its own prepared data). */
export type MethodInput = "lognorm" | "none";

/** One file of a dataset, as a dataset-level scan sees it. */
export interface ExpressionFile {
  path: string;
  nObs: number;
  nVars: number;
  varNames: string[];
  obsColumn(name: string): Promise<unknown[]>;
}

export interface ScanVisitor {
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
  batchKey?: string | null;
  /** streams one file's log-normalized expression in row blocks; `begin` runs before the first */
  scan(path: string, visit: ScanVisitor): Promise<void>;
}

export interface MethodContext {
  reader: AnnDataReader;
  /** `init_kwargs` merged with `init_kwargs_<method>` */
  initKwargs: Record<string, unknown>;
  /** `embedding_dim_map[method]`, when configured */
  configuredDim?: number;
  /** cells per forward batch (the section's batch_size) */
  batchSize?: number;
  log: Logger;
  dataset: DatasetContext;
}

export interface Embedder {
  readonly dim: number;
  readonly input: MethodInput;
  /** writes rows × dim values into `out` (row-major, zeroed by the caller) for file rows [r0, r0 + rows) */
  embed(block: CsrBlock, out: Float32Array, r0: number): void | Promise<void>;
  /** boolean obs columns to record with the embedding, e.g. which cells the method could embed */
  obsColumns?(): { name: string; values: Uint8Array }[];
}

export interface EmbeddingMethod {
  readonly name: string;
  readonly hardware: Hardware;
  readonly description: string;
  /** the output width when it is known without reading the file */
  expectedDim(configuredDim?: number): number | undefined;
  /** what the file must contain, for `inspect` */
  readonly requires: readonly string[];
  prepare(ctx: MethodContext): Promise<Embedder>;
  /** the preparation phase alone (e.g. tokenization, without loading a model); defaults to `prepare` */
  prepareOnly?(ctx: MethodContext): Promise<string>;
  /** whether a file holds what this method needs, without computing anything */
  check(reader: AnnDataReader): Promise<{ ready: boolean; detail: string }>;
}
