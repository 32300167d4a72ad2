/**
 * An error thrown on a worker thread, carried to the main thread as plain data and rebuilt there
 * as the same tagged class (src/errors.ts), with its message, file, key and fix; a system error
 * keeps its `code` (so that `asWriteError` still names ENOSPC and the like).
 */
import { CodecError, InputError, OutputError, ScembedError } from "../errors.ts";

export interface WireError {
  tag?: string;
  message: string;
  file?: string;
  key?: string;
  fix?: string;
  code?: string;
}

const CLASSES: Record<string, typeof ScembedError> = { InputError, CodecError, OutputError, ScembedError };

export function toWire(err: unknown): WireError {
  if (err instanceof ScembedError)
    return { tag: err.tag, message: err.message, file: err.file, key: err.key, fix: err.fix };
  const e = err as NodeJS.ErrnoException;
  return { message: e instanceof Error ? e.message : String(err), code: e?.code };
}

export function fromWire(w: WireError): Error {
  const Class = w.tag ? CLASSES[w.tag] : undefined;
  // the message was composed with file, key and fix on the worker: kept as it is
  if (Class) return Object.assign(new Class("", { file: w.file, key: w.key, fix: w.fix }), { message: w.message });
  return Object.assign(new Error(w.message), w.code ? { code: w.code } : {});
}
