/** An AnnData file (zarr or h5ad) opened for streaming reads: shapes, columns, matrices, obsm. */
import { InputError } from "../errors.ts";
import { openTree } from "../store/open-tree.ts";
import type { TreeReader } from "../store/tree.ts";
import { joinKey } from "../store/tree.ts";
import { frameLength, hasColumn, readColumn, readIndex, type ColumnValues } from "./dataframe.ts";
import { encodingOf } from "./encoding.ts";
import { isNullElement, openMatrix, type MatrixReader } from "./matrix.ts";

export interface ObsmEntry {
  key: string;
  shape: number[];
  dtype: string;
}

export class AnnDataReader {
  private constructor(
    readonly tree: TreeReader,
    readonly nObs: number,
    readonly nVars: number,
  ) {}

  static async open(path: string): Promise<AnnDataReader> {
    const tree = await openTree(path);
    try {
      const root = await tree.get("");
      const enc = root ? encodingOf(root.attrs) : undefined;
      const [obs, varFrame] = await Promise.all([tree.get("obs"), tree.get("var")]);
      if (!obs || !varFrame || (enc !== undefined && enc !== "anndata")) {
        throw new InputError("not an AnnData file (no obs/var dataframes)", {
          file: path,
          fix: "pass a file written by anndata (write_zarr / write_h5ad)",
        });
      }
      const nObs = await frameLength(tree, "obs");
      const nVars = await frameLength(tree, "var");
      return new AnnDataReader(tree, nObs, nVars);
    } catch (err) {
      tree.close();
      throw err;
    }
  }

  get path(): string {
    return this.tree.path;
  }

  get format() {
    return this.tree.format;
  }

  obsNames(): Promise<string[]> {
    return readIndex(this.tree, "obs");
  }

  varNames(): Promise<string[]> {
    return readIndex(this.tree, "var");
  }

  column(frame: "obs" | "var", name: string): Promise<ColumnValues> {
    return readColumn(this.tree, frame, name);
  }

  hasColumn(frame: "obs" | "var", name: string): Promise<boolean> {
    return hasColumn(this.tree, frame, name);
  }

  /** false for absent elements and for anndata's `null` encoding (X=None is "no X") */
  async has(key: string): Promise<boolean> {
    const node = await this.tree.get(key);
    return node !== undefined && !isNullElement(node);
  }

  async matrix(key: string): Promise<MatrixReader> {
    const m = await openMatrix(this.tree, key);
    if (m.rows !== this.nObs || m.cols !== this.nVars) {
      throw new InputError(`shape (${m.rows}, ${m.cols}) disagrees with obs × var (${this.nObs}, ${this.nVars})`, {
        file: this.path,
        key,
      });
    }
    return m;
  }

  async obsm(): Promise<ObsmEntry[]> {
    const group = await this.tree.get("obsm");
    if (group?.kind !== "group") return [];
    const out: ObsmEntry[] = [];
    for (const name of await group.keys()) {
      const node = await this.tree.get(joinKey("obsm", name));
      if (node?.kind === "array") out.push({ key: name, shape: [...node.shape], dtype: node.dtype });
    }
    return out;
  }

  close(): void {
    this.tree.close();
  }
}
