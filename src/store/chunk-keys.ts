/**
 * zarr v3 chunk key encodings: where the chunk at grid coordinates [i, j, …] is stored, relative
 * to its array. `default`: "c/i/j" (separator "/" or "."), "c" for a 0-d array; `v2`: "i.j" (or
 * "i/j"), "0" for a 0-d array.
 */
import { InputError } from "../errors.ts";

/** A chunk's key from its grid coordinates, with "/" between path parts. */
export type ChunkKeyEncoder = (coords: readonly number[]) => string;

/** zarr v3's `chunk_key_encoding` entry */
export interface ChunkKeyEncoding {
  name: string;
  configuration?: Record<string, unknown>;
}

export function chunkKeyEncoder(
  encoding: ChunkKeyEncoding | undefined,
  where: { file: string; key: string },
): ChunkKeyEncoder {
  const name = encoding?.name ?? "default";
  const separator = encoding?.configuration?.separator ?? (name === "v2" ? "." : "/");
  if (separator !== "/" && separator !== ".") {
    throw new InputError(`chunk key separator ${JSON.stringify(separator)} is neither "/" nor "."`, where);
  }
  if (name === "default") return (coords) => ["c", ...coords].join(separator);
  if (name === "v2") return (coords) => (coords.length === 0 ? "0" : coords.join(separator));
  throw new InputError(`unknown chunk key encoding '${name}'`, {
    ...where,
    fix: "rewrite the array with the 'default' chunk key encoding (zarr-python 3's default)",
  });
}

/** The encoding our writer uses: zarr-python 3's default. */
export const DEFAULT_CHUNK_KEY_ENCODING: ChunkKeyEncoding = { name: "default", configuration: { separator: "/" } };
