/** Config: the seed's YAML as is, Hydra overrides, derived paths, and errors that name the key. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../src/errors.ts";
import { loadConfig } from "../src/pipeline/config-load.ts";
import { initKwargsFor } from "../src/pipeline/method-options.ts";
import { applyOverrides } from "../src/pipeline/overrides.ts";
import { planSection } from "../src/pipeline/plan.ts";
import { tempDir } from "./helpers/paths.ts";

const SEED_YAML = `
batch_key: "dataset_title"
annotation_key: "cell_type"
dataset:
  name: demo_ds
preprocessing:
  enabled: true
  n_top_genes: 5000
embedding_preparation:
  enabled: true
  methods: ["gs"]
  memory_gb: 60
  input_format: "auto"
  output_format: "zarr"
  overwrite: false
  chunk_rows: 16384
  batch_size: 128
  embedding_dim_map:
    geneformer: 768
    scvi_fm: 50
    pca: 50
    hvg: 512
embedding_cpu:
  enabled: true
  methods: ["gs", "gs10k"]
  memory_gb: 60
  input_format: "auto"
  output_format: "zarr"
  overwrite: false
  chunk_rows: 16384
  batch_size: 128
  init_kwargs: null
  embedding_dim_map:
    gs: 3936
    gs10k: 10000
embedding_gpu:
  enabled: false
  methods: ["gs"]
`;

function writeYaml(dir: string, text = SEED_YAML): string {
  const p = join(dir, "dataset.yaml");
  writeFileSync(p, text);
  return p;
}

function layout(base: string, splits: Record<string, string[]>): void {
  for (const [split, names] of Object.entries(splits)) {
    for (const n of names) mkdirSync(join(base, "processed/train/demo_ds", split, n), { recursive: true });
  }
}

test("the seed's YAML loads unchanged; inputs are derived from base_file_path in numeric chunk order", (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  layout(base, { train: ["chunk_0.zarr", "chunk_10.zarr", "chunk_2.zarr", "notes.txt"], val: ["chunk_0.zarr"] });
  const { config } = loadConfig(writeYaml(dir), [`++base_file_path=${base}`]);
  const tasks = planSection(config, "embedding_cpu");
  assert.deepEqual(
    tasks.map((t) => t.input.slice(base.length + 1)),
    [
      "processed/train/demo_ds/train/chunk_0.zarr",
      "processed/train/demo_ds/train/chunk_2.zarr",
      "processed/train/demo_ds/train/chunk_10.zarr",
      "processed/train/demo_ds/val/chunk_0.zarr",
    ],
  );
  assert.equal(tasks[3]!.output, join(base, "processed_with_emb/train/demo_ds/val/chunk_0.zarr"));
  assert.equal(tasks[0]!.settings.chunkRows, 16384);
  assert.equal(config.embedding_cpu!.batch_key, "dataset_title", "common batch_key propagates");
  assert.deepEqual(planSection(config, "embedding_gpu"), [], "a disabled section plans nothing");
  assert.equal(planSection(config, "embedding_preparation")[0]!.settings.prepareOnly, true);
});

test("BASE_FILE_PATH from the environment; split_dataset: false reads the 'all' split of test/", (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  mkdirSync(join(base, "processed/test/demo_ds/all/chunk_1.h5ad"), { recursive: true });
  mkdirSync(join(base, "processed/test/demo_ds/all/chunk_0.zarr"), { recursive: true });
  const { config } = loadConfig(writeYaml(dir), ["++split_dataset=false"], { BASE_FILE_PATH: base });
  const tasks = planSection(config, "embedding_cpu");
  assert.deepEqual(
    tasks.map((t) => t.output.slice(base.length + 1)),
    ["processed_with_emb/test/demo_ds/all/chunk_0.zarr", "processed_with_emb/test/demo_ds/all/chunk_1.zarr"],
  );
});

test("Hydra override forms: set, add, force-add, delete, YAML values", () => {
  const cfg = { a: { b: 1, list: ["x"] } };
  assert.deepEqual(applyOverrides(cfg, ["a.b=2"]), { a: { b: 2, list: ["x"] } });
  assert.deepEqual(applyOverrides(cfg, ["+a.c=true"]).a, { b: 1, list: ["x"], c: true });
  assert.deepEqual(applyOverrides(cfg, ["++a.list=[gs,gs10k]"]).a, { b: 1, list: ["gs", "gs10k"] });
  assert.deepEqual(applyOverrides(cfg, ["++new.deep.key=null"]).new, { deep: { key: null } });
  assert.deepEqual(applyOverrides(cfg, ["~a.list"]).a, { b: 1 });
  assert.throws(() => applyOverrides(cfg, ["a.missing=1"]), /'a.missing' does not exist.*use \+\+a.missing=1/s);
  assert.throws(() => applyOverrides(cfg, ["+a.b=3"]), /'a.b' already exists/);
  assert.deepEqual(cfg, { a: { b: 1, list: ["x"] } }, "the input object is not modified");
});

test("schema errors name every bad key and say how to fix it", (t) => {
  const dir = tempDir(t);
  const path = writeYaml(dir);
  const err = (() => {
    try {
      loadConfig(path, [
        "embedding_cpu.chunk_rows=-5",
        "++embedding_cpu.x_is=maybe",
        "embedding_cpu.methods=[gs,hvgg]",
      ]);
    } catch (e) {
      return e as ConfigError;
    }
  })();
  assert.ok(err instanceof ConfigError);
  assert.match(err.message, /embedding_cpu\.chunk_rows: /);
  assert.match(err.message, /embedding_cpu\.x_is: /);
  assert.match(err.message, /fix: /);
  assert.throws(
    () => loadConfig(path, ["embedding_cpu.methods=[gs,hvgg]"]),
    /embedding_cpu\.methods\[1\].*unknown method 'hvgg'/s,
  );
  assert.throws(() => loadConfig(path, ["embedding_cpu.output_format=h5ad"]), /h5ad output is not supported yet/);
  assert.throws(
    () => planSection(loadConfig(path, [], {}).config, "embedding_cpu"),
    /input_files is not set.*no base_file_path.*BASE_FILE_PATH/s,
  );
});

test("init_kwargs_<method> overrides init_kwargs for that method", (t) => {
  const dir = tempDir(t);
  const { config } = loadConfig(writeYaml(dir), [
    "embedding_cpu.init_kwargs={a: 1, b: 2}",
    "++embedding_cpu.init_kwargs_gs10k={b: 3}",
  ]);
  assert.deepEqual(initKwargsFor(config.embedding_cpu!, "gs"), { a: 1, b: 2 });
  assert.deepEqual(initKwargsFor(config.embedding_cpu!, "gs10k"), { a: 1, b: 3 });
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e;
  }
  assert.fail("no ConfigError");
}

test("unknown keys are warnings naming the closest known key; deprecated option names still work", (t) => {
  const path = writeYaml(tempDir(t));
  const { config, warnings } = loadConfig(path, [
    "++embedding_cpu.chunk_row=100",
    "++embedding_cpu.init_kwargs_gs={ensembl_colm: gene_ids}",
    "embedding_cpu.methods=[gs, pca]",
    "++embedding_cpu.pca={mode: fit, hvg_batch_key: donor}",
  ]);
  assert.ok(
    warnings.some((w) => /^embedding_cpu\.chunk_row: unknown key.*'chunk_rows'/.test(w)),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.some((w) => /^embedding_cpu\.init_kwargs_gs\.ensembl_colm: .*'ensembl_col'/.test(w)),
    warnings.join("\n"),
  );
  assert.ok(
    warnings.some((w) => /^embedding_cpu\.pca\.hvg_batch_key: deprecated, read as batch_key/.test(w)),
    warnings.join("\n"),
  );
  const [task] = planSection(config, "embedding_cpu", {
    layout: { inputs: ["/in/chunk_0.zarr"], outputDir: "/out", outputFor: () => "/out/chunk_0.zarr" },
  });
  assert.deepEqual(
    task!.settings.options["pca"],
    { mode: "fit", ensembl_col: "ensembl_id", n_top_genes: 2000, batch_key: "donor" },
    "options arrive validated, defaults filled",
  );
  assert.equal(
    task!.settings.dataset.batchKey,
    "dataset_title",
    "the section's batch_key, which hvg and pca fit read unless their own is set",
  );
});

test("invalid option values, unknown compressors and sections without methods are errors naming the key", (t) => {
  const path = writeYaml(tempDir(t));
  const gpu = ["embedding_gpu.enabled=true", "embedding_gpu.methods=[geneformer]"];
  const pooling = configError(() =>
    loadConfig(path, [...gpu, "++embedding_gpu.init_kwargs_geneformer={pooling: CLS}"]),
  );
  assert.match(
    pooling.message,
    /embedding_gpu\.init_kwargs_geneformer\.pooling: geneformer takes one of cls, mean, got "CLS"/,
  );
  assert.match(pooling.message, /fix: /);
  const codec = configError(() => loadConfig(path, ["++embedding_cpu.compressor={id: lzma}"]));
  assert.match(codec.message, /embedding_cpu\.compressor\.id: takes one of gzip, zlib, blosc, zstd, lz4, got "lzma"/);
  const typo = configError(() => loadConfig(path, ["~embedding_cpu.methods", "++embedding_cpu.methds=[gs]"]));
  assert.match(typo.message, /embedding_cpu\.methods: the section lists no methods.*enabled: false/);
  assert.match(
    typo.message,
    /\(warning\) embedding_cpu\.methds: unknown key.*'methods'/,
    "the warning that explains the error comes with it",
  );
  assert.doesNotThrow(() => loadConfig(path, ["~embedding_gpu.methods"]), "a disabled section may list none");
});
