/**
 * Every failure the library reports is one of these tagged classes. Each names the file and the key
 * it concerns and says how to fix it; only src/cli/ turns them into exit codes.
 */
export interface ErrorContext {
  file?: string;
  key?: string;
  fix?: string;
  cause?: unknown;
}

export class ScembedError extends Error {
  readonly tag: string = "ScembedError";
  readonly file?: string;
  readonly key?: string;
  readonly fix?: string;

  constructor(message: string, ctx: ErrorContext = {}) {
    super(composeMessage(message, ctx), ctx.cause === undefined ? undefined : { cause: ctx.cause });
    this.file = ctx.file;
    this.key = ctx.key;
    this.fix = ctx.fix;
  }
}

/** The input data is missing, unreadable or not what a method needs. */
export class InputError extends ScembedError {
  override readonly tag = "InputError";
}

/** The configuration or the command line is wrong: exit code 2. */
export class ConfigError extends ScembedError {
  override readonly tag = "ConfigError";
}

/** A codec is unknown or rejects its options, or a chunk's bytes do not decode to what its array needs. */
export class CodecError extends ScembedError {
  override readonly tag = "CodecError";
}

/** Stopped by SIGINT or SIGTERM (Ctrl-C; SLURM near a time limit or preempting): what was written whole is kept. */
export class InterruptedError extends ScembedError {
  override readonly tag = "InterruptedError";
  constructor(
    readonly signal: "SIGINT" | "SIGTERM",
    message = `interrupted by ${signal}: the workers were stopped and their temp arrays removed; complete embeddings are kept, rerun to finish`,
    ctx: ErrorContext = {},
  ) {
    super(message, ctx);
  }
}

/** Another process holds a lock for too long. */
export class LockError extends ScembedError {
  override readonly tag = "LockError";
}

/**
 * A CUDA library call (driver, cuBLASLt, NVRTC) failed: names the call and the status, as its
 * library names it (gpu/check.ts turns every failed status into one).
 */
export class CudaError extends ScembedError {
  override readonly tag = "CudaError";
  constructor(
    readonly call: string,
    readonly code: number,
    readonly codeName: string,
    fix?: string,
  ) {
    super(`${call} failed: ${codeName} (${code})`, { fix });
  }
  /** out of device memory: the caller may retry with a smaller batch */
  get outOfMemory(): boolean {
    return (this.call.startsWith("cu") && this.code === 2) || (this.call.startsWith("cublas") && this.code === 3);
  }
  /** initialization-type failures worth a retry after a pause (busy or not yet ready devices) */
  get transient(): boolean {
    return this.call.startsWith("cu") && !this.call.startsWith("cublas") && [3, 46, 304, 802, 999].includes(this.code);
  }
}

function composeMessage(message: string, ctx: ErrorContext): string {
  const where = [ctx.file, ctx.key && `key '${ctx.key}'`].filter(Boolean).join(", ");
  let text = where ? `${where}: ${message}` : message;
  if (ctx.fix) text += `\n  fix: ${ctx.fix}`;
  return text;
}

/** Adds the file and key to an unexpected error thrown while reading one element. */
export function withLocation(err: unknown, file: string, key: string): ScembedError {
  if (err instanceof ScembedError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  return new InputError(`cannot read: ${msg}`, {
    file,
    key,
    fix: "the file may be corrupt or truncated; re-create it from its source",
    cause: err,
  });
}

/** The output could not be written (disk full, read-only, no permission). */
export class OutputError extends ScembedError {
  override readonly tag = "OutputError";
}

const WRITE_FIXES: Record<string, string> = {
  ENOSPC: "free space on that disk or set output_dir to another one, then rerun: complete embeddings are kept",
  EDQUOT: "the disk quota is used up: free some of it or set output_dir elsewhere, then rerun",
  EROFS: "the output lies on a read-only file system: set output_dir to a writable place",
  EACCES: "no permission to write there: fix the folder's permissions or set output_dir elsewhere",
  EPERM: "no permission to write there: fix the folder's permissions or set output_dir elsewhere",
  EIO: "the disk reported an I/O error: check it, then rerun",
};

/** A system error while writing `key` of `file` as an OutputError that names both and a fix; anything else as it is. */
export function asWriteError(err: unknown, file: string, key: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof ScembedError || !code || !(code in WRITE_FIXES)) return err;
  return new OutputError(`cannot write: ${(err as Error).message}`, { file, key, fix: WRITE_FIXES[code], cause: err });
}
