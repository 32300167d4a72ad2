/** A zarr v2 directory store as a TreeReader. */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { ZarrArray, type ZarrArrayMeta } from "./zarr-array.ts";
import type { Attrs, TreeNode, TreeReader } from "./tree.ts";

export async function readJson(path: string): Promise<unknown | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR")
      return undefined;
    throw err;
  }
  return parseZarrJson(text);
}

/** zarr v2 writes NaN fill values as a bare `NaN`, which JSON lacks; a quoted "NaN" stays as it is. */
export function parseZarrJson(text: string): unknown {
  return JSON.parse(text.replace(/(?<!")\bNaN\b(?!")/g, '"NaN"'));
}

export class ZarrTree implements TreeReader {
  readonly format = "zarr";
  constructor(readonly path: string) {}

  async get(key: string): Promise<TreeNode | undefined> {
    const dir = join(this.path, ...key.split("/").filter(Boolean));
    let attrs: Attrs;
    let meta: unknown;
    let group: unknown;
    try {
      [meta, group, attrs] = await Promise.all([
        readJson(join(dir, ".zarray")),
        readJson(join(dir, ".zgroup")),
        readJson(join(dir, ".zattrs")).then((a) => (a ?? {}) as Attrs),
      ]);
    } catch (err) {
      throw new InputError(`unreadable zarr metadata: ${(err as Error).message}`, { file: this.path, key, cause: err });
    }
    if (meta !== undefined) {
      const m = meta as ZarrArrayMeta;
      if (m.zarr_format !== 2)
        throw new InputError(`zarr_format ${m.zarr_format} is not supported`, { file: this.path, key });
      return new ZarrArray(this.path, key, m, attrs);
    }
    if (group !== undefined) {
      return {
        kind: "group",
        key,
        attrs,
        keys: async () => {
          const entries = await readdir(dir, { withFileTypes: true });
          return entries
            .filter((e) => e.isDirectory() && !e.name.startsWith("."))
            .map((e) => e.name)
            .sort();
        },
      };
    }
    return undefined;
  }

  close(): void {}
}
