/**
 * The SLURM executor against a real one-node SLURM (started by .ci/run): a 2-split, 4-chunk
 * dataset through preparation → CPU ∥ GPU-section-on-CPU as array jobs with an afterok
 * dependency; outputs identical to the local executor's; a task that fails is rerun by --resume
 * and only it; the dry-run scripts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { runCli } from "./helpers/cli.ts";
import { FIXTURES, V1_DICTIONARIES, tempDir } from "./helpers/paths.ts";
import { writeSyntheticZarr } from "./helpers/synthetic.ts";

function slurmUp(): boolean {
  try {
    return /idle|mix|alloc/.test(execFileSync("sinfo", ["-h", "-o", "%T"], { encoding: "utf8", timeout: 5000 }));
  } catch {
    return false;
  }
}
const skip = slurmUp() ? false : "no SLURM cluster answers here (.ci/run installs and starts one)";

async function waitForQueue(timeoutMs = 180_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (execFileSync("squeue", ["-h"], { encoding: "utf8" }).trim() === "") return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error("SLURM jobs did not finish in time");
}

async function obsm(path: string, key: string): Promise<Float32Array> {
  const r = await AnnDataReader.open(path);
  const node = await r.tree.get(`obsm/${key}`);
  assert.ok(node?.kind === "array", `${path}: obsm/${key} missing`);
  const v = (await node.readAll()) as Float32Array;
  r.close();
  return v;
}

test("SLURM arrays with dependencies produce the local executor's outputs; --resume reruns only the failed task", { skip, timeout: 600_000 }, async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  const dict = loadDictionaries(V1_DICTIONARIES);
  const genes = [...dict.medians.keys()].slice(0, 150);
  const inputs: string[] = [];
  for (const [split, i, seed] of [["train", 0, 1], ["train", 1, 2], ["val", 0, 3], ["val", 1, 4]] as const) {
    const p = join(base, "processed/train/tiny", split, `chunk_${i}.zarr`);
    mkdirSync(join(p, ".."), { recursive: true });
    await writeSyntheticZarr(p, { nObs: 40, genes, density: 0.1, seed, chunkElements: 100 });
    inputs.push(p);
  }
  const config = join(dir, "tiny.yaml");
  writeFileSync(config, [
    "dataset: {name: tiny}",
    "split_dataset: true",
    "embedding_preparation: {methods: [geneformer-v1]}",
    "embedding_cpu: {methods: [gs], slurm: {cpus_per_task: 1}}",
    `embedding_gpu: {methods: [geneformer-v1], memory_gb: 1, init_kwargs: {model_dir: ${join(FIXTURES, "geneformer/models/tinyV1/bin")}}}`,
    "slurm: {time: '00:10:00', max_concurrent: 4}",
  ].join("\n"));
  const local = runCli(["run", "-c", config, "--workers", "2", `++base_file_path=${base}`, `++embedding_cpu.output_dir=${join(dir, "local")}`, `++embedding_gpu.output_dir=${join(dir, "local")}`, `++embedding_preparation.output_dir=${join(dir, "local")}`]);
  assert.equal(local.code, 0, local.stderr);

  // inject a failure: a corrupt X chunk in val/chunk_1 breaks its gs task (geneformer reads layers/counts)
  const bad = join(inputs[3]!, "X/data/0");
  const good = readFileSync(bad);
  const { atime, mtime } = statSync(bad);
  // garbage of the chunk's size and mtime: the input keeps its identity, so the outputs made from it
  // meanwhile (the GPU section's) still count as its outputs when it is repaired
  writeFileSync(bad, Buffer.alloc(good.length, 0x5a));
  utimesSync(bad, atime, mtime);
  const wf = join(dir, "wf");
  const submitted = runCli(["run", "-c", config, "--executor", "slurm", "--workflow-dir", wf, `++base_file_path=${base}`]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const jobs = JSON.parse(readFileSync(join(wf, "jobs.json"), "utf8")) as { section: string; jobId: string; array: string; dependency?: string }[];
  assert.deepEqual(jobs.map((j) => [j.section, j.array]), [["embedding_preparation", "0-3"], ["embedding_cpu", "0-3"], ["embedding_gpu", "0-3"]]);
  assert.equal(jobs[2]!.dependency, `afterok:${jobs[0]!.jobId}`, "GPU embedding waits for the preparation");
  await waitForQueue();
  const status = runCli(["status", wf]);
  assert.equal(status.code, 1, "a failed task makes status exit 1");
  assert.match(status.stdout, /embedding_cpu +job \d+ +task 3 +FAILED/);
  assert.match(status.stdout, /embedding_gpu +job \d+ +task 0 +COMPLETED/);
  const errors = readFileSync(join(wf, "errors.log"), "utf8");
  assert.match(errors, /embedding_cpu#3\t.*val\/chunk_1\.zarr\tgs\t.*corrupt/);
  assert.ok(readFileSync(join(wf, "embedding_cpu", `job_${jobs[1]!.jobId}`, `array_${jobs[1]!.jobId}`, "task_3.err"), "utf8").includes("corrupt"));

  // repair the input; --resume resubmits only embedding_cpu task 3
  writeFileSync(bad, good);
  utimesSync(bad, atime, mtime);
  const resumed = runCli(["run", "-c", config, "--executor", "slurm", "--workflow-dir", wf, "--resume", `++base_file_path=${base}`]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = JSON.parse(readFileSync(join(wf, "jobs.json"), "utf8")) as { section: string; array: string }[];
  assert.deepEqual(after.slice(3).map((j) => [j.section, j.array]), [["embedding_cpu", "3"]]);
  assert.equal(readFileSync(join(wf, "master.log"), "utf8").trim().split("\n").length, 4, "three submissions and one resubmission");
  await waitForQueue();
  const out = join(base, "processed_with_emb/train/tiny");
  for (const split of ["train/chunk_0", "train/chunk_1", "val/chunk_0", "val/chunk_1"]) {
    for (const key of ["X_gs", "X_geneformer-v1"]) {
      assert.deepEqual(await obsm(join(out, `${split}.zarr`), key), await obsm(join(dir, "local", `${split}.zarr`), key), `${split} ${key}`);
    }
  }
});

test("--dry-run prints the sbatch scripts without submitting", (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  mkdirSync(join(base, "processed/test/d/all/chunk_0.zarr"), { recursive: true });
  mkdirSync(join(base, "processed/test/d/all/chunk_1.zarr"), { recursive: true });
  const config = join(dir, "d.yaml");
  writeFileSync(config, "dataset: {name: d}\nsplit_dataset: false\nembedding_cpu: {methods: [gs, gs10k], memory_gb: 60, slurm: {partition: cpu, account: lab}}\nslurm: {time: '06:00:00', extra_args: ['--exclusive']}\ndataset_creation_hook: python make_dataset.py\n");
  const r = runCli(["run", "-c", config, "--executor", "slurm", "--dry-run", "--workflow-dir", join(dir, "wf"), `++base_file_path=${base}`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /--- hook ---\n#!\/bin\/bash\n#SBATCH --job-name=scembed_hook\n.*\npython make_dataset\.py/);
  const script = r.stderr.slice(r.stderr.indexOf("#!/bin/bash")).replaceAll(dir, "<tmp>").replace(/exec '[^']*node[^']*' '[^']*scembed\.js'/, "exec <node> <scembed>");
  assert.equal(
    script.split("\n").slice(0, 15).join("\n"),
    [
      "#!/bin/bash",
      "#SBATCH --job-name=scembed_embedding_cpu",
      "#SBATCH --array=0-1%10",
      "#SBATCH --output=<tmp>/wf/embedding_cpu/slurm_%A_%a.out",
      "#SBATCH --partition=cpu",
      "#SBATCH --mem=60G",
      "#SBATCH --time=06:00:00",
      "#SBATCH --account=lab",
      "#SBATCH --exclusive",
      "set -euo pipefail",
      "dir='<tmp>/wf/embedding_cpu'/job_${SLURM_ARRAY_JOB_ID}/array_${SLURM_ARRAY_JOB_ID}",
      'mkdir -p "$dir"',
      'exec >"$dir/task_${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_${SLURM_ARRAY_TASK_ID}.err"',
      "export SCEMBED_WORKFLOW_DIR='<tmp>/wf'",
      "exec <node> <scembed> task --manifest '<tmp>/wf/manifest.json' -s embedding_cpu --index \"$SLURM_ARRAY_TASK_ID\"",
    ].join("\n"),
  );
});
