/** HDF5 datatypes (as h5wasm describes them) mapped to the dtypes the readers use. */
import type { Metadata } from "h5wasm/node";
import { InputError } from "../errors.ts";
import type { Dtype } from "./dtype.ts";

export function h5Dtype(meta: Metadata, file: string, key: string): Dtype {
  const { type, size, signed } = meta;
  if (type === 3) return "|O";
  if (type === 1 && (size === 4 || size === 8)) return size === 4 ? "<f4" : "<f8";
  if (type === 0) {
    const k = signed ? "i" : "u";
    return (size === 1 ? `|${k}1` : `<${k}${size}`) as Dtype;
  }
  // anndata writes booleans as an HDF5 enum of int8
  if (type === 8 && size === 1) return "|b1";
  throw new InputError(`unsupported HDF5 datatype (class ${type}, ${size} bytes)`, { file, key });
}
