/**
 * Worker thread of tokenize-pool.ts: opens the file itself and, for each row range it is sent,
 * reads the raw counts (checked as every block is: whole, finite, ≥ 0), ranks them into tokens
 * and sends the tokens back; an error goes back as data (worker-error.ts) with its file and key.
 */
import { parentPort, workerData } from "node:worker_threads";
import { AnnDataReader } from "../anndata/anndata-reader.ts";
import { checkBlock } from "../anndata/block-check.ts";
import type { MatrixReader } from "../anndata/matrix.ts";
import { toWire } from "../anndata/worker-error.ts";
import type { GeneformerDictionaries } from "../models/geneformer-dictionaries.ts";
import { tokenizeBlock, type GeneSlots, type TokenizerRules } from "../models/geneformer-tokenizer.ts";
import type { TokenJob } from "./tokenize-pool.ts";

const { path, key, slots, rules, cls, eos } = workerData as {
  path: string;
  key: string;
  slots: GeneSlots;
  rules: TokenizerRules;
  cls?: number;
  eos?: number;
};
const dict = { cls, eos } as GeneformerDictionaries;
let reader: Promise<AnnDataReader> | undefined;
let counts: Promise<MatrixReader> | undefined;

async function tokenizeRows({ r0, r1, nCounts }: TokenJob) {
  reader ??= AnnDataReader.open(path);
  counts ??= reader.then((r) => r.matrix(key));
  const block = await (await counts).readRows(r0, r1);
  checkBlock(block, "counts", { file: path, key, r0, what: "raw counts" });
  const sizes =
    nCounts ??
    Float64Array.from({ length: block.rows }, (_, r) =>
      block.data.subarray(block.indptr[r]!, block.indptr[r + 1]!).reduce((a, b) => a + b, 0),
    );
  return tokenizeBlock(block, sizes, slots, rules, dict);
}

parentPort!.on("message", (job: (TokenJob & { id: number }) | "close") => {
  // the file is closed before the thread ends (terminate would leave its descriptor open); with
  // the port closed the thread has nothing left to wait for and ends
  if (job === "close") {
    void (reader ?? Promise.resolve(undefined))
      .then((r) => r?.close())
      .catch(() => {})
      .finally(() => parentPort!.close());
    return;
  }
  tokenizeRows(job).then(
    (t) =>
      parentPort!.postMessage({ id: job.id, result: t }, [
        t.tokens.buffer as ArrayBuffer,
        t.offsets.buffer as ArrayBuffer,
        t.uncropped.buffer as ArrayBuffer,
      ]),
    (err) => parentPort!.postMessage({ id: job.id, error: toWire(err) }),
  );
});
