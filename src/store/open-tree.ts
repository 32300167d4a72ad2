/** Opens a path as zarr or h5ad, by what is on disk rather than by its name. */
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { openH5 } from "./h5-tree.ts";
import { ZarrTree } from "./zarr-tree.ts";
import type { StoreFormat, TreeReader } from "./tree.ts";

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

export async function detectFormat(path: string): Promise<StoreFormat> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InputError("file not found", { file: path, fix: "check the path (input_files or --input)" });
  }
  if (info.isDirectory()) {
    const zgroup = await stat(join(path, ".zgroup")).catch(() => undefined);
    if (zgroup) return "zarr";
    const v3 = await stat(join(path, "zarr.json")).catch(() => undefined);
    if (v3) {
      throw new InputError("zarr v3 stores are not supported yet", {
        file: path,
        fix: "write the input as zarr v2 (anndata: ad.settings.zarr_write_format = 2) or as .h5ad",
      });
    }
    throw new InputError("directory is not a zarr store (no .zgroup)", { file: path, fix: "pass an AnnData .zarr directory or .h5ad file" });
  }
  const fh = await open(path, "r");
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    if (head.equals(HDF5_SIGNATURE)) return "h5ad";
  } finally {
    await fh.close();
  }
  throw new InputError("not an AnnData file (neither a zarr directory nor HDF5)", {
    file: path,
    fix: "pass an AnnData .zarr directory or .h5ad file",
  });
}

export async function openTree(path: string): Promise<TreeReader> {
  const format = await detectFormat(path);
  return format === "zarr" ? new ZarrTree(path) : openH5(path);
}
