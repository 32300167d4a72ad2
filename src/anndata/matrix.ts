/**
 * X or a layer, read as row blocks of CSR float32: memory is O(block rows), whatever the file size.
 * Encodings as anndata 0.13 writes them: `array` 0.2.0 (dense; sparsified per block) and
 * `csr_matrix` 0.1.0 (group with `shape` and data/indices/indptr; indices may be uint8/16/32
 * since anndata 0.12 stores them in the smallest type, indptr int32 or int64). `csc_matrix`
 * cannot be streamed by rows and is refused, and so is anndata's `null` encoding (X=None).
 */
import { InputError, withLocation } from "../errors.ts";
import { denseToCsr, toFloat32, toInt32, type CsrBlock } from "../numerics/csr.ts";
import type { ArrayNode, TreeNode, TreeReader } from "../store/tree.ts";
import { joinKey } from "../store/tree.ts";
import { encodingOf } from "./encoding.ts";

export interface MatrixReader {
  readonly key: string;
  readonly rows: number;
  readonly cols: number;
  readonly layout: "csr" | "dense";
  /** rows [r0, r1) */
  readRows(r0: number, r1: number): Promise<CsrBlock>;
  /** raw stored values of rows [r0, r1), for comparing X with a layer */
  readStored(r0: number, r1: number): Promise<Float32Array>;
}

/** anndata's `null` encoding: what 0.7–0.12 wrote for X=None (0.13 leaves X out) and 0.13 for raw=None. */
export function isNullElement(node: TreeNode | undefined): boolean {
  return node !== undefined && encodingOf(node.attrs) === "null";
}

export async function openMatrix(tree: TreeReader, key: string): Promise<MatrixReader> {
  const node = await tree.get(key);
  if (!node || isNullElement(node)) throw missingMatrix(tree.path, key, node !== undefined);
  const enc = encodingOf(node.attrs);
  if (node.kind === "array") {
    if (enc !== undefined && enc !== "array")
      throw new InputError(`unsupported matrix encoding '${enc}'`, {
        file: tree.path,
        key,
        fix: "store it as a dense array or a CSR matrix",
      });
    if (node.shape.length !== 2)
      throw new InputError(`expected a 2-d matrix, found shape [${node.shape}]`, { file: tree.path, key });
    return denseMatrix(tree.path, key, node);
  }
  if (enc === "csc_matrix") {
    throw new InputError("CSC matrices cannot be streamed by rows (each row block would read the whole matrix)", {
      file: tree.path,
      key,
      fix: "convert to CSR before embedding: adata.X = adata.X.tocsr() (or the layer), then save again",
    });
  }
  if (enc !== "csr_matrix")
    throw new InputError(`unsupported matrix encoding '${enc}'`, {
      file: tree.path,
      key,
      fix: "store it as a dense array or a CSR matrix",
    });
  const shape = node.attrs["shape"];
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new InputError(`CSR matrix has no valid 'shape' attribute (${JSON.stringify(shape)})`, {
      file: tree.path,
      key,
      fix: "the file is incomplete; re-create it",
    });
  }
  const parts = await Promise.all(["data", "indices", "indptr"].map((p) => tree.get(joinKey(key, p))));
  const [data, indices, indptr] = parts;
  if (data?.kind !== "array" || indices?.kind !== "array" || indptr?.kind !== "array") {
    throw new InputError("CSR matrix lacks data/indices/indptr", {
      file: tree.path,
      key,
      fix: "the file is incomplete; re-create it",
    });
  }
  if (indptr.shape[0] !== shape[0] + 1) {
    throw new InputError(`indptr has ${indptr.shape[0]} entries for ${shape[0]} rows`, {
      file: tree.path,
      key: joinKey(key, "indptr"),
      fix: "the file is corrupt; re-create it",
    });
  }
  return csrMatrix(tree.path, key, shape[0], shape[1], data, indices, indptr);
}

function missingMatrix(file: string, key: string, isNull: boolean): InputError {
  const what = isNull ? "is anndata's null encoding (written with X=None)" : "is missing";
  if (key === "X") {
    return new InputError(`the file has no X: X ${what}; the methods read X or layers['counts']`, {
      file,
      key,
      fix: "store the expression matrix as X or layers['counts'] (adata.X = counts; adata.write_h5ad(...))",
    });
  }
  return new InputError(`matrix ${what}`, { file, key, fix: "store the expression matrix as X or layers['counts']" });
}

function csrMatrix(
  file: string,
  key: string,
  rows: number,
  cols: number,
  data: ArrayNode,
  indices: ArrayNode,
  indptr: ArrayNode,
): MatrixReader {
  const pointers = async (r0: number, r1: number) => {
    const p = await indptr.read(r0, r1 + 1);
    return Array.from(p as ArrayLike<number | bigint>, Number);
  };
  return {
    key,
    rows,
    cols,
    layout: "csr",
    async readRows(r0, r1) {
      try {
        const ptr = await pointers(r0, r1);
        const p0 = ptr[0]!,
          p1 = ptr[ptr.length - 1]!;
        const [vals, idx] = await Promise.all([data.read(p0, p1), indices.read(p0, p1)]);
        const local = new Int32Array(ptr.length);
        for (let i = 0; i < ptr.length; i++) local[i] = ptr[i]! - p0;
        const block = {
          rows: r1 - r0,
          cols,
          indptr: local,
          indices: toInt32(idx as ArrayLike<number>),
          data: toFloat32(vals as ArrayLike<number>),
        };
        checkIndices(block, file, key, r0);
        return block;
      } catch (err) {
        throw withLocation(err, file, key);
      }
    },
    async readStored(r0, r1) {
      const ptr = await pointers(r0, r1);
      return toFloat32((await data.read(ptr[0]!, ptr[ptr.length - 1]!)) as ArrayLike<number>);
    },
  };
}

function denseMatrix(file: string, key: string, node: ArrayNode): MatrixReader {
  const [rows, cols] = node.shape as [number, number];
  return {
    key,
    rows,
    cols,
    layout: "dense",
    async readRows(r0, r1) {
      try {
        return denseToCsr((await node.read(r0, r1)) as ArrayLike<number>, r1 - r0, cols);
      } catch (err) {
        throw withLocation(err, file, key);
      }
    },
    async readStored(r0, r1) {
      return toFloat32((await node.read(r0, r1)) as ArrayLike<number>);
    },
  };
}

function checkIndices(block: CsrBlock, file: string, key: string, r0: number): void {
  const { indices, cols, indptr, data } = block;
  if (indptr[indptr.length - 1] !== data.length)
    throw new InputError(`indptr disagrees with data length near row ${r0}`, { file, key });
  for (let i = 0; i < indices.length; i++) {
    const c = indices[i]!;
    if (c < 0 || c >= cols)
      throw new InputError(`column index ${c} out of range [0, ${cols}) near row ${r0}`, {
        file,
        key,
        fix: "the file is corrupt; re-create it",
      });
  }
}
