/**
 * The config-driven workflow through the real CLI: `run` with worker processes over a 2-split
 * dataset, resume (skip complete, redo incomplete), `task`, `prepare` and `inspect`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { runCli } from "./helpers/cli.ts";
import { REAL, tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";

const YAML = `
dataset:
  name: tiny
split_dataset: true
embedding_preparation:
  methods: ["gs"]
embedding_cpu:
  methods: ["gs"]
  chunk_rows: 100
embedding_gpu:
  methods: ["gs10k"]
  chunk_rows: 100
`;

async function dataset(dir: string): Promise<{ base: string; config: string; outputs: string[] }> {
  const base = join(dir, "data");
  const genes = geneIds(readGeneList(shippedGeneList("gs10k")), 500, 100);
  const root = join(base, "processed/train/tiny");
  mkdirSync(join(root, "val"), { recursive: true });
  await writeSyntheticZarr(join(root, "train/chunk_0.zarr"), { nObs: 300, genes, seed: 1 });
  await writeSyntheticZarr(join(root, "train/chunk_1.zarr"), { nObs: 250, genes, seed: 2 });
  cpSync(join(REAL, "pbmc1k_v3_chr21.h5ad"), join(root, "val/chunk_0.h5ad"));
  const config = join(dir, "tiny.yaml");
  writeFileSync(config, YAML);
  const out = join(base, "processed_with_emb/train/tiny");
  return {
    base,
    config,
    outputs: [join(out, "train/chunk_0.zarr"), join(out, "train/chunk_1.zarr"), join(out, "val/chunk_0.zarr")],
  };
}

const N_OBS = [300, 250, 1107];

test("run: preparation, then CPU and GPU sections in parallel workers; a rerun skips everything", async (t) => {
  const dir = tempDir(t);
  const { base, config, outputs } = await dataset(dir);
  const r = runCli(["run", "-c", config, "--workers", "2", `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  for (const [i, out] of outputs.entries()) {
    assert.equal((await embeddingStatus(out, "X_gs", N_OBS[i]!, 3936)).state, "complete", out);
    assert.equal((await embeddingStatus(out, "X_gs10k", N_OBS[i]!, 10000)).state, "complete", out);
  }
  assert.match(r.stdout, /X_gs +written/);
  const logs = join(base, "processed_with_emb/train/tiny/logs");
  assert.deepEqual(readdirSync(join(logs, "embedding_cpu")).sort(), [
    "train__chunk_0.log",
    "train__chunk_1.log",
    "val__chunk_0.log",
  ]);
  assert.ok(existsSync(join(logs, "embedding_preparation", "val__chunk_0.log")));

  const again = runCli(["run", "-c", config, "--workers", "2", `++base_file_path=${base}`]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stdout.match(/ skipped /g) ?? []).length, 6, again.stdout);
  assert.doesNotMatch(again.stdout, / written /);
  assert.equal(
    (again.stdout.match(/ prepared /g) ?? []).length,
    3,
    "preparation runs again (it caches nothing for gs)",
  );
});

test("resume redoes only an incomplete embedding; task and inspect see the same state", async (t) => {
  const dir = tempDir(t);
  const { base, config, outputs } = await dataset(dir);
  assert.equal(runCli(["embed", "-c", config, "-s", "embedding_cpu", `++base_file_path=${base}`, "--quiet"]).code, 0);
  // a partial array, as a crashed in-place writer (the reference pipeline) would leave it
  rmSync(join(outputs[1]!, "obsm/X_gs/1.0"));
  const inspect = runCli(["inspect", outputs[1]!, "--json"]);
  assert.equal(inspect.code, 0, inspect.stderr);
  const info = JSON.parse(inspect.stdout);
  assert.deepEqual(
    info.obsm.find((o: { key: string }) => o.key === "X_gs"),
    {
      key: "X_gs",
      shape: [250, 3936],
      dtype: "<f4",
      status: "incomplete",
      detail: "1 chunk(s) missing",
      storage: "zarr v2, chunks [100,3936], gzip(1)",
    },
  );
  assert.equal(info.nObs, 250);
  assert.deepEqual(
    info.methods.map((m: { method: string; ready: boolean }) => [m.method, m.ready]),
    [
      ["gs", true],
      ["gs10k", true],
      ["hvg", true],
      ["pca", true],
      ["geneformer", false],
      ["geneformer-v1", false],
      ["scvi_fm", false],
    ],
  );
  assert.deepEqual(
    info.methods.filter((m: { needs?: string }) => m.needs).map((m: { needs: string }) => m.needs),
    Array(3).fill("init_kwargs.model_dir"),
    "not ready: they need a model",
  );

  const r = runCli(["task", "-c", config, "-s", "embedding_cpu", "--index", "1", `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /X_gs +written/);
  assert.match(r.stderr, /incomplete array \(1 chunks missing\); recomputing/);
  assert.equal((await embeddingStatus(outputs[1]!, "X_gs", 250, 3936)).state, "complete");

  const all = runCli(["embed", "-c", config, "-s", "embedding_cpu", `++base_file_path=${base}`]);
  assert.equal((all.stdout.match(/ skipped /g) ?? []).length, 3);
  const out = runCli(["task", "-c", config, "-s", "embedding_cpu", "--index", "7", `++base_file_path=${base}`]);
  assert.equal(out.code, 2);
  assert.match(out.stderr, /index 7 is out of range: embedding_cpu has 3 task\(s\)/);
});

test("prepare checks every file and writes no embedding", async (t) => {
  const dir = tempDir(t);
  const { base, config, outputs } = await dataset(dir);
  const r = runCli(["prepare", "-c", config, `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /X_gs +prepared +dim 3936/);
  for (const out of outputs) assert.equal(existsSync(out), false);
});
