/**
 * A zarr v3 directory store as a TreeReader. Each node is a `zarr.json`; when a group's
 * `zarr.json` carries consolidated metadata (zarr-python 3 and anndata put every node's metadata
 * into the root's), nodes are looked up there and only nodes it lacks are read from disk.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { joinKey, type GroupNode, type TreeNode, type TreeReader } from "./tree.ts";
import { ZarrV3Array, type ReadStats } from "./zarr-v3-array.ts";
import type { NodeMetadataV3 } from "./zarr-v3-metadata.ts";
import { readJson } from "./zarr-tree.ts";

export class ZarrV3Tree implements TreeReader {
  readonly format = "zarr";
  readonly zarrFormat = 3;
  /** bytes read from chunk and shard files by this tree's arrays */
  readonly stats: ReadStats = { reads: 0, bytes: 0 };
  private readonly consolidated = new Map<string, NodeMetadataV3>();

  constructor(readonly path: string) {}

  async get(key: string): Promise<TreeNode | undefined> {
    const meta = this.consolidated.get(key) ?? (await this.readNode(key));
    if (!meta) return undefined;
    if (meta.zarr_format !== 3) {
      throw new InputError(`zarr_format ${String(meta.zarr_format)} inside a zarr v3 store`, { file: this.path, key });
    }
    const attrs = meta.attributes ?? {};
    if (meta.node_type === "array") return new ZarrV3Array(this.path, key, meta, attrs, this.stats);
    if (meta.node_type !== "group") {
      throw new InputError(
        `node_type ${JSON.stringify((meta as { node_type?: unknown }).node_type)} is neither array nor group`,
        { file: this.path, key },
      );
    }
    const group: GroupNode = { kind: "group", key, attrs, keys: () => this.children(key) };
    return group;
  }

  close(): void {}

  /** Reads `<key>/zarr.json`, remembering the consolidated metadata a group carries. */
  private async readNode(key: string): Promise<NodeMetadataV3 | undefined> {
    let meta: NodeMetadataV3 | undefined;
    try {
      meta = (await readJson(join(this.dir(key), "zarr.json"))) as NodeMetadataV3 | undefined;
    } catch (err) {
      throw new InputError(`unreadable zarr.json: ${(err as Error).message}`, { file: this.path, key, cause: err });
    }
    if (meta?.node_type === "group" && (meta.consolidated_metadata?.kind ?? "inline") === "inline") {
      const inline = meta.consolidated_metadata?.metadata ?? {};
      for (const [child, childMeta] of Object.entries(inline)) {
        if (!this.consolidated.has(joinKey(key, child))) this.consolidated.set(joinKey(key, child), childMeta);
      }
    }
    return meta;
  }

  /** The group's children: those its consolidated metadata lists, and subdirectories holding a zarr.json. */
  private async children(key: string): Promise<string[]> {
    const names = new Set<string>();
    const prefix = key === "" ? "" : `${key}/`;
    for (const entry of this.consolidated.keys()) {
      if (entry.startsWith(prefix) && !entry.slice(prefix.length).includes("/")) names.add(entry.slice(prefix.length));
    }
    const entries = await readdir(this.dir(key), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith(".") || names.has(e.name)) continue;
      if (await stat(join(this.dir(key), e.name, "zarr.json")).catch(() => undefined)) names.add(e.name);
    }
    return [...names].sort();
  }

  private dir(key: string): string {
    return join(this.path, ...key.split("/").filter(Boolean));
  }
}

/** Opens a v3 store: its root must be a group (an AnnData file is one). */
export async function openZarrV3(path: string): Promise<ZarrV3Tree> {
  const tree = new ZarrV3Tree(path);
  const root = await tree.get("");
  if (root?.kind !== "group") {
    throw new InputError("the zarr v3 store's root is not a group", {
      file: path,
      fix: "pass an AnnData .zarr store (its root zarr.json has node_type 'group')",
    });
  }
  return tree;
}
