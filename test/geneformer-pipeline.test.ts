/**
 * Geneformer through the CLI on a small file: tokens prepared once and cached, V1 and V2 models
 * (tiny, random) embed every cell, a cell without known genes gets a zero row and valid = false,
 * and the pipeline's batched rows equal a one-cell-at-a-time forward pass.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { loadBert } from "../src/models/bert.ts";
import { bertForward } from "../src/models/bert-forward.ts";
import { cpuDevice } from "../src/models/cpu-device.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { geneSlots, tokenizeBlock } from "../src/models/geneformer-tokenizer.ts";
import { runCli } from "./helpers/cli.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { FIXTURES, REAL, V1_DICTIONARIES, tempDir } from "./helpers/paths.ts";
import { writeSyntheticZarr } from "./helpers/synthetic.ts";

const GF = join(FIXTURES, "geneformer");
const V1 = V1_DICTIONARIES;

test("geneformer and geneformer-v1 embed a file end to end; dropped cells are zero and marked", async (t) => {
  const dir = tempDir(t);
  const dict = loadDictionaries(V1);
  const known = [...dict.medians.keys()].slice(100, 400);
  const genes = [...known, ...Array.from({ length: 20 }, (_, i) => `ENSG99999${String(i).padStart(6, "0")}`)];
  let seed = 7;
  const rand = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const rows = Array.from({ length: 30 }, (_, r) => {
    const idx: number[] = [],
      val: number[] = [];
    const pool = r === 29 ? [300, 305, 310] : Array.from({ length: 320 }, (_, c) => c); // cell 29: unknown genes only
    for (const c of pool) {
      if (r !== 29 && rand() >= 0.1) continue;
      idx.push(c);
      val.push(1 + Math.floor(rand() * 6));
    }
    return { indices: Int32Array.from(idx), data: Float32Array.from(val) };
  });
  const input = join(dir, "chunk_0.zarr");
  await writeSyntheticZarr(input, { nObs: 30, genes, rows });
  const out = join(dir, "out", "chunk_0.zarr");
  const args = [
    "embed",
    "--input",
    input,
    "--output",
    out,
    "--methods",
    "geneformer,geneformer-v1",
    "++batch_size=4",
    `++init_kwargs_geneformer={model_dir: ${join(GF, "models/tinyV2/safetensors")}, token_dictionary_file: ${join(GF, "token_dictionary_gc104M_v2standin.pkl")}, gene_median_file: ${join(GF, "gene_median_dictionary_v2standin.pkl")}, device: cpu}`,
    `++init_kwargs_geneformer_v1={model_dir: ${join(GF, "models/tinyV1/bin")}, device: cpu}`,
  ];
  const r = runCli(args);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /X_geneformer +written +\(30, 128\)/);
  assert.match(r.stdout, /X_geneformer-v1 +written +\(30, 64\)/);
  assert.match(r.stderr, /tokens computed/);
  assert.match(r.stderr, /obs\['geneformer-v1_valid'\]: 29 of 30 cells true/);

  // the rows equal a plain forward pass of each cell alone (V1: mean of all positions, second-to-last layer)
  const reader = await AnnDataReader.open(out);
  const node = await reader.tree.get("obsm/X_geneformer-v1");
  assert.ok(node?.kind === "array");
  const emb = (await node.readAll()) as Float32Array;
  const model = loadBert(join(GF, "models/tinyV1/bin"), cpuDevice());
  const counts = await (await AnnDataReader.open(input)).matrix("layers/counts");
  const block = await counts.readRows(0, 30);
  const sizes = Array.from({ length: 30 }, (_, i) =>
    block.data.subarray(block.indptr[i]!, block.indptr[i + 1]!).reduce((a, b) => a + b, 0),
  );
  const tb = tokenizeBlock(block, sizes, geneSlots(genes, dict), { inputSize: 2048, specialTokens: false }, dict);
  for (let i = 0; i < 30; i++) {
    const ids = tb.tokens.subarray(tb.offsets[i]!, tb.offsets[i + 1]!);
    const row = emb.subarray(i * 64, (i + 1) * 64);
    if (ids.length === 0) {
      assert.ok(
        row.every((v) => v === 0),
        "a dropped cell's row is zero",
      );
      continue;
    }
    const [want] = bertForward(model, {
      ids,
      lengths: Int32Array.of(ids.length),
      B: 1,
      T: ids.length,
      layer: 1,
      pools: [{ kind: "mean" }],
    });
    expectClose(row, want!, { atol: 1e-5, label: `cell ${i}` });
  }
  reader.close();

  // a rerun with overwrite reuses the prepared tokens
  const again = runCli([...args, "--overwrite"]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((again.stderr.match(/tokens from the preparation cache/g) ?? []).length, 2);
  const written = await AnnDataReader.open(out);
  assert.deepEqual(
    (await written.column("obs", "geneformer_valid")).map(Boolean),
    Array.from({ length: 30 }, (_, i) => i !== 29),
  );
  written.close();
});

test("a missing model directory is a clear error naming what to download", (t) => {
  const dir = tempDir(t);
  const r = runCli([
    "embed",
    "--input",
    join(REAL, "pbmc1k_v3_chr21.h5ad"),
    "--output",
    join(dir, "o.zarr"),
    "--methods",
    "geneformer-v1",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no model directory for geneformer-v1.*huggingface\.co\/ctheodoris\/Geneformer/s);
});

test("prepare tokenizes without a model; the embed step then reuses the tokens", async (t) => {
  const dir = tempDir(t);
  const { cpSync, writeFileSync, mkdirSync } = await import("node:fs");
  const base = join(dir, "data"),
    split = join(base, "processed/test/small/all");
  mkdirSync(split, { recursive: true });
  cpSync(join(REAL, "pbmc1k_v3_chr21.h5ad"), join(split, "chunk_0.h5ad"));
  const config = join(dir, "small.yaml");
  writeFileSync(
    config,
    `dataset: {name: small}\nsplit_dataset: false\nembedding_preparation:\n  methods: [geneformer-v1]\nembedding_gpu:\n  methods: [geneformer-v1]\n  init_kwargs: {model_dir: ${join(GF, "models/tinyV1/bin")}}\n`,
  );
  const prep = runCli(["prepare", "-c", config, `++base_file_path=${base}`]);
  assert.equal(prep.code, 0, prep.stderr);
  assert.match(prep.stdout, /X_geneformer-v1 +prepared +tokenized 1107 cells \(\d+ without known genes\)/);
  const run = runCli(["embed", "-c", config, "-s", "embedding_gpu", `++base_file_path=${base}`]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /tokens from the preparation cache/);
  assert.match(run.stdout, /X_geneformer-v1 +written +\(1107, 64\)/);
});
