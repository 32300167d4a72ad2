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
  if (type === 6) {
    throw new InputError(
      "compound (record-array) datasets are not read here; anndata < 0.7 stored obs and var this way",
      {
        file,
        key,
        fix: "re-save the file with a current anndata: anndata.read_h5ad(path).write_h5ad(new_path)",
      },
    );
  }
  throw new InputError(`unsupported HDF5 datatype (class ${type}, ${size} bytes)`, { file, key });
}
