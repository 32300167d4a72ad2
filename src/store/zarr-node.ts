/**
 * A zarr node's metadata, whatever the format: which format a directory holds, creating a group,
 * and reading or replacing a node's attributes (v2 `.zattrs`, v3 the `attributes` of `zarr.json`;
 * replaced atomically, so a reader never sees half a file).
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "./fs-atomic.ts";
import type { Attrs } from "./tree.ts";
import { readJson } from "./zarr-tree.ts";
import { json, writeGroupV3 } from "./zarr-v3-writer.ts";
import { writeGroup } from "./zarr-writer.ts";

export type ZarrFormat = 2 | 3;

/** A zarr directory's format by its metadata file (v2 `.zgroup`/`.zarray`, v3 `zarr.json`); undefined if neither. */
export async function zarrFormatOf(dir: string): Promise<ZarrFormat | undefined> {
  const has = (name: string) =>
    stat(join(dir, name)).then(
      () => true,
      () => false,
    );
  if ((await has(".zgroup")) || (await has(".zarray"))) return 2;
  if (await has("zarr.json")) return 3;
  return undefined;
}

export async function writeGroupAs(format: ZarrFormat, dir: string, attrs: Attrs): Promise<void> {
  await (format === 2 ? writeGroup(dir, attrs) : writeGroupV3(dir, attrs));
}

export async function readNodeAttrs(format: ZarrFormat, dir: string): Promise<Attrs | undefined> {
  if (format === 2) return (await readJson(join(dir, ".zattrs"))) as Attrs | undefined;
  const meta = (await readJson(join(dir, "zarr.json"))) as { attributes?: Attrs } | undefined;
  return meta === undefined ? undefined : (meta.attributes ?? {});
}

/** Replaces the node's attributes; in v3 the rest of its `zarr.json` is kept. */
export async function writeNodeAttrs(format: ZarrFormat, dir: string, attrs: Attrs): Promise<void> {
  if (format === 2) return writeJsonAtomic(join(dir, ".zattrs"), attrs);
  const meta = ((await readJson(join(dir, "zarr.json"))) ?? { zarr_format: 3, node_type: "group" }) as Record<
    string,
    unknown
  >;
  await writeFileAtomic(join(dir, "zarr.json"), json({ ...meta, attributes: attrs }));
}
