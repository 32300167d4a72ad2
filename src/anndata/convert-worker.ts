/** Worker thread for convert-pool.ts: opens the input tree once and converts the arrays it is sent, one at a time. */
import { parentPort, workerData } from "node:worker_threads";
import { openTree } from "../store/open-tree.ts";
import type { ZarrFormat } from "../store/zarr-node.ts";
import { convertArray } from "./tree-to-zarr.ts";
import { toWire } from "./worker-error.ts";

const { input, dest, format } = workerData as { input: string; dest: string; format: ZarrFormat };
const tree = await openTree(input);
parentPort!.on("message", async (key: string) => {
  try {
    await convertArray(tree, key, dest, format);
    parentPort!.postMessage({ key });
  } catch (err) {
    parentPort!.postMessage({ key, error: toWire(err) });
  }
});
