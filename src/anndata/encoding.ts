/** anndata's element encodings as we meet them on disk. */
import type { Attrs } from "../store/tree.ts";

export type EncodingType =
  | "anndata"
  | "array"
  | "csr_matrix"
  | "csc_matrix"
  | "dataframe"
  | "categorical"
  | "string-array"
  | "string"
  | "numeric-scalar"
  | "dict"
  | "nullable-integer"
  | "nullable-boolean"
  | "nullable-string-array";

export function encodingOf(attrs: Attrs): string | undefined {
  const t = attrs["encoding-type"];
  return typeof t === "string" ? t : undefined;
}

export const ARRAY_ENCODING = { "encoding-type": "array", "encoding-version": "0.2.0" } as const;
export const DICT_ENCODING = { "encoding-type": "dict", "encoding-version": "0.1.0" } as const;
