/**
 * Keys that a file's own metadata names (a dataframe's `_index` and `column-order`, the legacy
 * `categories` attribute): they are resolved against their group and must stay inside the store,
 * so `..`, `.`, empty segments and absolute paths are refused (a crafted `_index` of
 * "../../outside" would otherwise read files beside the store).
 */
import { InputError } from "../errors.ts";
import { isNodeRef, joinKey } from "../store/tree.ts";

/**
 * `name` as a key below `group` (a NodeRef: its full key); `what` says where the name came from,
 * for the message.
 */
export function childKey(file: string, group: string, name: unknown, what: string): string {
  // an HDF5 object reference names a node by its full key; checked like any other key, since a
  // zarr attribute could spell the same object
  if (isNodeRef(name)) return checked(file, group, name.key, what);
  return joinKey(group, checked(file, group, name, what));
}

function checked(file: string, group: string, name: unknown, what: string): string {
  if (typeof name !== "string") {
    throw new InputError(`${what} is ${JSON.stringify(name) ?? String(name)}, not a key`, {
      file,
      key: group,
      fix: "the file's metadata is damaged; re-write it with anndata",
    });
  }
  const bad =
    name === "" ||
    name.startsWith("/") ||
    name.includes("\\") ||
    name.includes("\0") ||
    name.split("/").some((s) => s === "" || s === "." || s === "..");
  if (bad) {
    throw new InputError(
      `${what} ${JSON.stringify(name)} is not a key inside the store (no '..', '.', empty or absolute paths)`,
      {
        file,
        key: group,
        fix: "the file's metadata points outside its element; re-write the file with anndata",
      },
    );
  }
  return name;
}

/** The group part of a key ("obs/cell_type" → "obs"). */
export function parentKey(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "" : key.slice(0, i);
}
