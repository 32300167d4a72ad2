/**
 * Rows made while the output store is still being created: held in memory (nothing on disk),
 * written once the store exists, the same bytes as rows written directly; a method past its
 * budget waits for the store; a failed creation leaves nothing and is the error commit throws.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { DeferredObsmWriter } from "../src/anndata/deferred-obsm-writer.ts";
import { ObsmWriter } from "../src/anndata/obsm-writer.ts";
import { ensureOutputStore } from "../src/anndata/output-store.ts";
import { tempDir } from "./helpers/paths.ts";
import { writeSyntheticZarr } from "./helpers/synthetic.ts";

const N = 300,
  DIM = 5,
  CHUNK = 100,
  BLOCK = 50;

async function setup(t: { after(fn: () => void): void }) {
  const dir = tempDir(t);
  const input = join(dir, "in.zarr");
  await writeSyntheticZarr(input, { nObs: N, genes: Array.from({ length: 20 }, (_, i) => `ENSG${i}`), seed: 3 });
  const output = join(dir, "out", "chunk.zarr");
  const begin = () => ObsmWriter.begin({ store: output, key: "X_test", nObs: N, dim: DIM, chunkRows: CHUNK });
  return { input, output, begin };
}

/** a promise and the function that settles it */
function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open!: () => void, fail!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    open = res;
    fail = rej;
  });
  promise.catch(() => {});
  return { promise, open, fail };
}

const rowValue = (r: number, c: number) => r * 10 + c + 0.5;
async function produce(
  w: { nextRows(n: number): Float32Array; advance(n: number): Promise<void> },
  from: number,
  to: number,
) {
  for (let r0 = from; r0 < to; r0 += BLOCK) {
    const rows = w.nextRows(BLOCK);
    for (let i = 0; i < BLOCK * DIM; i++) rows[i] = rowValue(r0 + Math.floor(i / DIM), i % DIM);
    await w.advance(BLOCK);
  }
}

async function readBack(output: string): Promise<Float32Array> {
  const reader = await AnnDataReader.open(output);
  const node = await reader.tree.get("obsm/X_test");
  assert.ok(node?.kind === "array");
  const values = (await node.readAll()) as Float32Array;
  reader.close();
  return values;
}

test("rows made before the store exists are held, then written as if written directly", async (t) => {
  const { input, output, begin } = await setup(t);
  const created = gate();
  const w = new DeferredObsmWriter(created.promise, begin, DIM, 1 << 30);
  await produce(w, 0, 200);
  assert.equal(existsSync(output), false, "nothing is written before the store exists");
  await ensureOutputStore(input, output);
  created.open();
  await produce(w, 200, N);
  await w.commit();
  const values = await readBack(output);
  assert.deepEqual(
    Array.from(values),
    Array.from({ length: N * DIM }, (_, i) => rowValue(Math.floor(i / DIM), i % DIM)),
  );
  assert.deepEqual(
    readdirSync(join(output, "obsm")).filter((n) => n.includes("writing")),
    [],
    "no temp array is left",
  );
});

test("once the store exists, rows go to the obsm writer at once, none held", async (t) => {
  const { input, output, begin } = await setup(t);
  await ensureOutputStore(input, output);
  const w = new DeferredObsmWriter(Promise.resolve(), begin, DIM, 1 << 30);
  await new Promise((r) => setImmediate(r));
  await produce(w, 0, 2 * BLOCK);
  assert.ok(
    readdirSync(join(output, "obsm")).some((n) => n.startsWith(".X_test.writing-")),
    "the writer began with the first block (its temp array is there)",
  );
  await produce(w, 2 * BLOCK, N);
  await w.commit();
  assert.equal((await readBack(output)).length, N * DIM);
});

test("a method past its budget waits for the store, then goes on", async (t) => {
  const { input, output, begin } = await setup(t);
  const created = gate();
  const w = new DeferredObsmWriter(created.promise, begin, DIM, 2 * BLOCK * DIM * 4);
  let done = false;
  const producing = produce(w, 0, N).then(() => (done = true));
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done, false, "the third block waits: two blocks are the budget");
  await ensureOutputStore(input, output);
  created.open();
  await producing;
  await w.commit();
  assert.equal((await readBack(output)).length, N * DIM);
});

test("a failed creation: commit throws its error, abort leaves nothing", async (t) => {
  const { output, begin } = await setup(t);
  const created = gate();
  const w = new DeferredObsmWriter(created.promise, begin, DIM, 1 << 30);
  await produce(w, 0, 100);
  created.fail(new Error("the conversion failed: in.h5ad, key X/data"));
  await assert.rejects(w.commit(), /the conversion failed: in\.h5ad, key X\/data/);
  await w.abort();
  assert.equal(existsSync(output), false);
});
