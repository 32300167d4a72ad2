/**
 * Which chunks of a zarr v3 array are stored, decided from chunk files and shard indexes alone,
 * never by decoding data: a whole array has every chunk file, and for a sharded one every shard
 * present with a valid index (checksum, offsets) and a non-empty entry for each inner chunk that
 * holds array elements. (zarr may skip all-fill chunks; arrays we write never do.)
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { elementCount, gridRange, innerChunksInBounds } from "./chunk-region.ts";
import { readShardIndexFile } from "./shard-index.ts";
import type { ArrayLayoutV3 } from "./zarr-v3-metadata.ts";

/** How many chunks (inner chunks, when sharded) are absent, empty, or in a shard whose index is unreadable. */
export async function missingChunks(dir: string, layout: ArrayLayoutV3): Promise<number> {
  const { shape, chunkShape, sharding } = layout;
  const grid = shape.map((n, d) => Math.ceil(n / chunkShape[d]!));
  if (grid.some((g) => g === 0)) return 0;
  let missing = 0;
  for (const coords of gridRange(
    grid.map(() => 0),
    grid,
  )) {
    const path = join(dir, ...layout.chunkKey(coords).split("/"));
    if (!sharding) {
      if (!(await stat(path).catch(() => undefined))) missing++;
      continue;
    }
    const inners = innerChunksInBounds(shape, chunkShape, sharding.innerShape, coords);
    const perShard = elementCount(chunkShape.map((n, d) => n / sharding.innerShape[d]!));
    const index = await readShardIndexFile(path, perShard, sharding).catch(() => undefined);
    missing += index ? index.emptyAmong(inners) : inners.length;
  }
  return missing;
}
