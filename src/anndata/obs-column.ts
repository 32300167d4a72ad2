/** Adds (or replaces) one boolean obs column of an output store, under the store lock. */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { withLock } from "../store/lock.ts";
import { createRowWriter } from "../store/row-writer.ts";
import { readNodeAttrs, writeNodeAttrs, zarrFormatOf } from "../store/zarr-node.ts";
import { refreshConsolidated } from "./consolidated.ts";
import { ARRAY_ENCODING } from "./encoding.ts";
import { storeLockPath } from "./output-store.ts";

export async function writeBoolObsColumn(store: string, name: string, values: Uint8Array): Promise<void> {
  await withLock(storeLockPath(store), store, async () => {
    const dir = join(store, "obs", name);
    await rm(dir, { recursive: true, force: true });
    const format = (await zarrFormatOf(store)) ?? 2;
    const w = await createRowWriter(format, dir, {
      shape: [values.length],
      chunkRows: Math.max(1, values.length),
      dtype: "|b1",
      attrs: { ...ARRAY_ENCODING },
    });
    if (values.length > 0) await w.append(values, values.length);
    await w.finish();
    const attrs = (await readNodeAttrs(format, join(store, "obs"))) ?? {};
    const order = Array.isArray(attrs["column-order"]) ? (attrs["column-order"] as string[]) : [];
    if (!order.includes(name)) attrs["column-order"] = [...order, name];
    await writeNodeAttrs(format, join(store, "obs"), attrs);
    await refreshConsolidated(store, ["obs", `obs/${name}`]);
  });
}
