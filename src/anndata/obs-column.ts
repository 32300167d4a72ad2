/** Adds (or replaces) one boolean obs column of an output store, under the store lock. */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { withLock } from "../store/lock.ts";
import { readJson } from "../store/zarr-tree.ts";
import { writeJsonAtomic } from "../store/fs-atomic.ts";
import { ZarrArrayWriter } from "../store/zarr-writer.ts";
import { refreshConsolidated } from "./consolidated.ts";
import { ARRAY_ENCODING } from "./encoding.ts";
import { storeLockPath } from "./output-store.ts";

export async function writeBoolObsColumn(store: string, name: string, values: Uint8Array): Promise<void> {
  await withLock(storeLockPath(store), store, async () => {
    const dir = join(store, "obs", name);
    await rm(dir, { recursive: true, force: true });
    const w = await ZarrArrayWriter.create(dir, { shape: [values.length], chunks: [Math.max(1, values.length)], dtype: "|b1", attrs: { ...ARRAY_ENCODING } });
    if (values.length > 0) await w.writeChunk([0], values);
    const attrsPath = join(store, "obs", ".zattrs");
    const attrs = ((await readJson(attrsPath)) ?? {}) as Record<string, unknown>;
    const order = Array.isArray(attrs["column-order"]) ? (attrs["column-order"] as string[]) : [];
    if (!order.includes(name)) attrs["column-order"] = [...order, name];
    await writeJsonAtomic(attrsPath, attrs);
    await refreshConsolidated(store, ["obs", `obs/${name}`]);
  });
}
