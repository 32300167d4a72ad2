/**
 * The SLURM executor against a real one-node SLURM (started by .ci/run): a 2-split, 4-chunk
 * dataset through preparation → CPU ∥ GPU-section-on-CPU as array jobs with an afterok
 * dependency; outputs identical to the local executor's; a task that fails is rerun by --resume
 * and only it; the dry-run scripts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import type { Manifest } from "../src/executors/slurm.ts";
import type { WorkflowStatus } from "../src/executors/workflow-status.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { runCli } from "./helpers/cli.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { CLI, FIXTURES, V1_DICTIONARIES, tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";

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

async function until<T>(probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function obsm(path: string, key: string): Promise<Float32Array> {
  const r = await AnnDataReader.open(path);
  const node = await r.tree.get(`obsm/${key}`);
  assert.ok(node?.kind === "array", `${path}: obsm/${key} missing`);
  const v = (await node.readAll()) as Float32Array;
  r.close();
  return v;
}

test("SLURM arrays with dependencies produce the local executor's outputs; --resume reruns only the failed task", {
  skip,
  timeout: 600_000,
}, async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  const dict = loadDictionaries(V1_DICTIONARIES);
  const genes = [...dict.medians.keys()].slice(0, 150);
  const inputs: string[] = [];
  for (const [split, i, seed] of [
    ["train", 0, 1],
    ["train", 1, 2],
    ["val", 0, 3],
    ["val", 1, 4],
  ] as const) {
    const p = join(base, "processed/train/tiny", split, `chunk_${i}.zarr`);
    mkdirSync(join(p, ".."), { recursive: true });
    await writeSyntheticZarr(p, { nObs: 40, genes, density: 0.1, seed, chunkElements: 100 });
    inputs.push(p);
  }
  const config = join(dir, "tiny.yaml");
  writeFileSync(
    config,
    [
      "dataset: {name: tiny}",
      "split_dataset: true",
      "embedding_preparation: {methods: [geneformer-v1]}",
      "embedding_cpu: {methods: [gs], slurm: {cpus_per_task: 1}}",
      `embedding_gpu: {methods: [geneformer-v1], memory_gb: 1, init_kwargs: {model_dir: ${join(FIXTURES, "geneformer/models/tinyV1/bin")}}}`,
      "slurm: {time: '00:10:00', max_concurrent: 4}",
    ].join("\n"),
  );
  const local = runCli([
    "run",
    "-c",
    config,
    "--workers",
    "2",
    `++base_file_path=${base}`,
    `++embedding_cpu.output_dir=${join(dir, "local")}`,
    `++embedding_gpu.output_dir=${join(dir, "local")}`,
    `++embedding_preparation.output_dir=${join(dir, "local")}`,
  ]);
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
  const submitted = runCli([
    "run",
    "-c",
    config,
    "--executor",
    "slurm",
    "--workflow-dir",
    wf,
    `++base_file_path=${base}`,
  ]);
  assert.equal(submitted.code, 0, submitted.stderr);
  const jobs = JSON.parse(readFileSync(join(wf, "jobs.json"), "utf8")) as {
    section: string;
    jobId: string;
    array: string;
    dependency?: string;
  }[];
  assert.deepEqual(
    jobs.map((j) => [j.section, j.array]),
    [
      ["embedding_preparation", "0-3"],
      ["embedding_cpu", "0-3"],
      ["embedding_gpu", "0-3"],
    ],
  );
  assert.equal(jobs[2]!.dependency, `afterok:${jobs[0]!.jobId}`, "GPU embedding waits for the preparation");
  await waitForQueue();

  // status: SLURM's states (scontrol while it keeps the jobs), the last runs and the outputs
  const status = runCli(["status", wf, "--json"]);
  assert.equal(status.code, 1, "a failed task makes status exit 1");
  const st = JSON.parse(status.stdout) as WorkflowStatus;
  const cpu = st.sections.find((x) => x.section === "embedding_cpu")!;
  assert.deepEqual(
    cpu.jobs.map((j) => [j.jobId, j.source]),
    [[jobs[1]!.jobId, "scontrol"]],
  );
  assert.deepEqual(
    cpu.tasks.map((x) => [x.index, x.slurm?.state, x.lastRun?.status, x.outputs?.map((o) => o.state).join()]),
    [
      [0, "COMPLETED", "written", "complete"],
      [1, "COMPLETED", "written", "complete"],
      [2, "COMPLETED", "written", "complete"],
      [3, "FAILED", "failed", "missing"],
    ],
  );
  assert.ok(
    st.sections
      .find((x) => x.section === "embedding_gpu")!
      .tasks.every((x) => x.slurm?.state === "COMPLETED" && x.outputs?.[0]?.state === "complete"),
  );
  assert.deepEqual(st.outputs, { complete: 7, missing: 1 });
  assert.match(
    runCli(["status", wf]).stdout,
    /# embedding_cpu: job \d+ \(array 0-3, states from scontrol\)\n.*\n(.*\n){3}3 +val\/chunk_1\.zarr +FAILED \d+_3 +failed +gs missing/,
  );
  // the same states from the accounting database (slurmdbd), as after SLURM has forgotten the jobs
  const fromSacct = await until(() => {
    const r = JSON.parse(runCli(["status", wf, "--json", "--source", "sacct"]).stdout) as WorkflowStatus;
    return r.sections.every((x) => x.tasks.every((y) => y.slurm?.state !== "UNKNOWN")) ? r : undefined;
  });
  for (const [i, sec] of fromSacct.sections.entries()) {
    assert.ok(
      sec.jobs.every((j) => j.source === "sacct"),
      JSON.stringify(sec.jobs),
    );
    assert.deepEqual(
      sec.tasks.map((x) => x.slurm?.state),
      st.sections[i]!.tasks.map((x) => x.slurm?.state),
      sec.section,
    );
  }
  // summary.json: every task's methods, rebuilt as each task ended
  const summary = JSON.parse(readFileSync(join(wf, "summary.json"), "utf8")) as {
    counts: Record<string, number>;
    rows: { task: string; key: string; status: string; cellsPerSecond: number | null }[];
  };
  assert.deepEqual(summary.counts, { written: 7, prepared: 4, failed: 1 });
  assert.deepEqual(
    summary.rows.filter((r) => r.task === "embedding_cpu#3").map((r) => [r.key, r.status]),
    [["X_gs", "failed"]],
  );
  assert.ok(summary.rows.filter((r) => r.status === "written").every((r) => r.cellsPerSecond! > 0));
  const errors = readFileSync(join(wf, "errors.log"), "utf8");
  assert.match(errors, /embedding_cpu#3\t.*val\/chunk_1\.zarr\tgs\t.*corrupt/);
  const taskOut = join(wf, "embedding_cpu", `job_${jobs[1]!.jobId}`, `array_${jobs[1]!.jobId}`);
  assert.ok(readFileSync(join(taskOut, "task_3.err"), "utf8").includes("corrupt"));
  assert.match(
    readFileSync(join(taskOut, "task_0.out"), "utf8"),
    /summary: 1 file\(s\), 1 result\(s\): 1 written\n.*\nembedding_cpu#0 +train\/chunk_0\.zarr +X_gs +written/,
  );

  // repair the input; --resume resubmits only embedding_cpu task 3
  writeFileSync(bad, good);
  utimesSync(bad, atime, mtime);
  const resumed = runCli([
    "run",
    "-c",
    config,
    "--executor",
    "slurm",
    "--workflow-dir",
    wf,
    "--resume",
    `++base_file_path=${base}`,
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const after = JSON.parse(readFileSync(join(wf, "jobs.json"), "utf8")) as { section: string; array: string }[];
  assert.deepEqual(
    after.slice(3).map((j) => [j.section, j.array]),
    [["embedding_cpu", "3"]],
  );
  assert.equal(
    readFileSync(join(wf, "master.log"), "utf8").trim().split("\n").length,
    4,
    "three submissions and one resubmission",
  );
  await waitForQueue();
  assert.equal(runCli(["status", wf]).code, 0);
  const resumedSummary = JSON.parse(readFileSync(join(wf, "summary.json"), "utf8")) as {
    counts: Record<string, number>;
  };
  assert.deepEqual(resumedSummary.counts, { written: 8, prepared: 4 });
  const out = join(base, "processed_with_emb/train/tiny");
  for (const split of ["train/chunk_0", "train/chunk_1", "val/chunk_0", "val/chunk_1"]) {
    for (const key of ["X_gs", "X_geneformer-v1"]) {
      assert.deepEqual(
        await obsm(join(out, `${split}.zarr`), key),
        await obsm(join(dir, "local", `${split}.zarr`), key),
        `${split} ${key}`,
      );
    }
  }
});

test("a task near its time limit gets SIGTERM, logs progress, records interrupted, leaves no partial array; --resume completes it", {
  skip,
  timeout: 400_000,
}, async (t) => {
  const dir = tempDir(t);
  // a slow input: Geneformer V1 (the tiny fixture model) on the scalar reference ops, 36 cells of 2,048 tokens
  const genes = [...loadDictionaries(V1_DICTIONARIES).medians.keys()].slice(0, 2400);
  const input = join(dir, "slow.zarr");
  await writeSyntheticZarr(input, { nObs: 36, genes, density: 0.9, seed: 7 });
  const config = join(dir, "slow.yaml");
  // 1 minute, SIGTERM 15 s before: SLURM checks limits every 30 s and signals up to 30 s early,
  // so the task hears it 15 to 45 s after it starts: after its first progress line (10 % of the
  // cells, about 9 s of work at the 0.45 cells/s of a CI run) and well before its ~80 s of work end.
  // (With 25 s the signal came 5 s in once, before any progress line was due.)
  writeFileSync(
    config,
    [
      `embedding_cpu: {methods: [geneformer-v1], batch_size: 2, input_files: [${input}], output_dir: ${join(dir, "out")}, init_kwargs: {model_dir: ${join(FIXTURES, "geneformer/models/tinyV1/bin")}, device: cpu-reference, token_budget: 4096}, slurm: {time: "00:01:00", signal_grace_s: 15}}`,
    ].join("\n"),
  );
  const wf = join(dir, "wf");
  assert.equal(runCli(["run", "-c", config, "--executor", "slurm", "--workflow-dir", wf]).code, 0);
  await waitForQueue();
  const output = (JSON.parse(readFileSync(join(wf, "manifest.json"), "utf8")) as Manifest).sections.embedding_cpu![0]!
    .output;
  const record = JSON.parse(readFileSync(join(wf, "tasks/embedding_cpu/task_0.json"), "utf8"));
  assert.equal(record.interrupted?.signal, "SIGTERM", JSON.stringify(record));
  assert.deepEqual(
    record.results.map((r: { status: string }) => r.status),
    ["interrupted"],
  );
  assert.ok(existsSync(join(output, "obsm")), output);
  assert.equal(
    (await embeddingStatus(output, "X_geneformer-v1", 36, 64)).state,
    "missing",
    "no partial array at the key",
  );
  assert.deepEqual(
    readdirSync(join(output, "obsm")).filter((n) => n.startsWith(".X_")),
    [],
    "the aborted writer removed its temp array",
  );
  const [job] = JSON.parse(readFileSync(join(wf, "jobs.json"), "utf8")) as { jobId: string }[];
  const log = readFileSync(join(wf, "embedding_cpu", `job_${job!.jobId}`, `array_${job!.jobId}`, "task_0.err"), "utf8");
  assert.match(
    log,
    /embed geneformer-v1: \d+\/36 cells \(\d+ %\), [\d.]+ cells\/s, ETA /,
    "progress lines in the SLURM task log",
  );
  assert.match(log, /SIGTERM: interrupted/);
  const summary = JSON.parse(readFileSync(join(wf, "summary.json"), "utf8"));
  assert.deepEqual(summary.counts, { interrupted: 1 });
  const status = runCli(["status", wf, "--json"]);
  assert.equal(status.code, 1);
  const task = (JSON.parse(status.stdout) as WorkflowStatus).sections[0]!.tasks[0]!;
  assert.deepEqual(
    [task.slurm?.state, task.lastRun?.status, task.lastRun?.signal, task.outputs?.[0]?.state],
    ["FAILED", "interrupted", "SIGTERM", "missing"],
  );

  // resume with room to finish: the interrupted task alone is resubmitted and completes
  assert.equal(
    runCli([
      "run",
      "-c",
      config,
      "--executor",
      "slurm",
      "--workflow-dir",
      wf,
      "--resume",
      "++embedding_cpu.slurm.time=00:10:00",
    ]).code,
    0,
  );
  await waitForQueue(300_000);
  assert.equal((await embeddingStatus(output, "X_geneformer-v1", 36, 64)).state, "complete");
  assert.equal(runCli(["status", wf]).code, 0);
  assert.deepEqual(JSON.parse(readFileSync(join(wf, "summary.json"), "utf8")).counts, { written: 1 });
  assert.deepEqual(
    readdirSync(join(output, "obsm")).filter((n) => n.startsWith(".X_")),
    [],
    "no temp array left",
  );
});

test("--dry-run prints per section the sbatch command (dependencies symbolic), the index → file table with what is complete, and the scripts", async (t) => {
  const dir = tempDir(t);
  const base = join(dir, "data");
  const genes = geneIds(readGeneList(shippedGeneList("gs")), 200, 50);
  for (const i of [0, 1, 2]) {
    const p = join(base, "processed/test/d/all", `chunk_${i}.zarr`);
    mkdirSync(join(p, ".."), { recursive: true });
    await writeSyntheticZarr(p, { nObs: 30, genes, seed: i + 1 });
  }
  const config = join(dir, "d.yaml");
  writeFileSync(
    config,
    [
      "dataset: {name: d}",
      "split_dataset: false",
      "embedding_preparation: {methods: [geneformer-v1]}",
      "embedding_cpu: {methods: [gs, gs10k], memory_gb: 60, slurm: {partition: cpu, account: lab}}",
      "embedding_gpu: {methods: [geneformer-v1], slurm: {partition: gpu, gres: 'gpu:1', requeue: true, signal_grace_s: 300}}",
      "slurm: {time: '06:00:00', extra_args: ['--exclusive']}",
      "dataset_creation_hook: python make_dataset.py",
    ].join("\n"),
  );
  // chunk 0 complete; chunk 1 with gs only, then one of its chunk files lost (a partial array)
  assert.equal(
    runCli(["task", "-c", config, "-s", "embedding_cpu", "--index", "0", `++base_file_path=${base}`]).code,
    0,
  );
  assert.equal(
    runCli([
      "task",
      "-c",
      config,
      "-s",
      "embedding_cpu",
      "--index",
      "1",
      `++base_file_path=${base}`,
      "++embedding_cpu.methods=[gs]",
    ]).code,
    0,
  );
  const out = join(base, "processed_with_emb/test/d/all");
  rmSync(join(out, "chunk_1.zarr/obsm/X_gs/0.0"));
  const r = runCli([
    "run",
    "-c",
    config,
    "--executor",
    "slurm",
    "--dry-run",
    "--resume",
    "--workflow-dir",
    join(dir, "wf"),
    `++base_file_path=${base}`,
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(existsSync(join(dir, "wf")), false, "a dry run writes nothing");
  const text = r.stdout.replaceAll(dir, "<tmp>").replaceAll(`'${process.execPath}' '${CLI}'`, "<node> <scembed>");
  assert.equal(text, DRY_RUN);
});

const DRY_RUN = `workflow dir: <tmp>/wf
manifest:     <tmp>/wf/manifest.json (the index → file mapping the tasks read)
resume: complete tasks are not submitted

# embedding_preparation: 3 task(s), 3 submitted as array 0-2
embedding_preparation=$(sbatch --parsable \\
    --job-name=scembed_embedding_preparation \\
    --array=0-2%10 \\
    --output=<tmp>/wf/embedding_preparation/slurm_%A_%a.out \\
    --time=06:00:00 \\
    --signal=B:TERM@120 \\
    --exclusive \\
    <tmp>/wf/embedding_preparation/submit_1.sbatch)
inputs under <tmp>/data/processed/test/d/all, outputs under <tmp>/data/processed_with_emb/test/d/all
index  input         output        methods (output state)  action
0      chunk_0.zarr  chunk_0.zarr  geneformer-v1           prepare
1      chunk_1.zarr  chunk_1.zarr  geneformer-v1           prepare
2      chunk_2.zarr  chunk_2.zarr  geneformer-v1           prepare

# embedding_cpu: 3 task(s), 2 submitted as array 1-2
embedding_cpu=$(sbatch --parsable \\
    --job-name=scembed_embedding_cpu \\
    --array=1-2%10 \\
    --output=<tmp>/wf/embedding_cpu/slurm_%A_%a.out \\
    --partition=cpu \\
    --mem=60G \\
    --time=06:00:00 \\
    --account=lab \\
    --signal=B:TERM@120 \\
    --exclusive \\
    <tmp>/wf/embedding_cpu/submit_1.sbatch)
inputs under <tmp>/data/processed/test/d/all, outputs under <tmp>/data/processed_with_emb/test/d/all
index  input         output        methods (output state)           action
0      chunk_0.zarr  chunk_0.zarr  gs (complete), gs10k (complete)  not submitted: complete
1      chunk_1.zarr  chunk_1.zarr  gs (partial), gs10k (missing)    run
2      chunk_2.zarr  chunk_2.zarr  gs (missing), gs10k (missing)    run

# embedding_gpu: 3 task(s), 3 submitted as array 0-2, after embedding_preparation (afterok)
embedding_gpu=$(sbatch --parsable --dependency=afterok:$embedding_preparation \\
    --job-name=scembed_embedding_gpu \\
    --array=0-2%10 \\
    --output=<tmp>/wf/embedding_gpu/slurm_%A_%a.out \\
    --partition=gpu \\
    --time=06:00:00 \\
    --gres=gpu:1 \\
    --requeue \\
    --signal=B:TERM@300 \\
    --exclusive \\
    <tmp>/wf/embedding_gpu/submit_1.sbatch)
inputs under <tmp>/data/processed/test/d/all, outputs under <tmp>/data/processed_with_emb/test/d/all
index  input         output        methods (output state)   action
0      chunk_0.zarr  chunk_0.zarr  geneformer-v1 (missing)  run
1      chunk_1.zarr  chunk_1.zarr  geneformer-v1 (missing)  run
2      chunk_2.zarr  chunk_2.zarr  geneformer-v1 (missing)  run

# dataset_creation_hook: after the embedding sections
sbatch --parsable --dependency=afterok:$embedding_cpu:$embedding_gpu <tmp>/wf/hook.sbatch

--- <tmp>/wf/embedding_preparation/submit_1.sbatch ---
#!/bin/bash
#SBATCH --job-name=scembed_embedding_preparation
#SBATCH --array=0-2%10
#SBATCH --output=<tmp>/wf/embedding_preparation/slurm_%A_%a.out
#SBATCH --time=06:00:00
#SBATCH --signal=B:TERM@120
#SBATCH --exclusive
set -euo pipefail
dir='<tmp>/wf/embedding_preparation'/job_\${SLURM_ARRAY_JOB_ID}/array_\${SLURM_ARRAY_JOB_ID}
mkdir -p "$dir"
exec >"$dir/task_\${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_\${SLURM_ARRAY_TASK_ID}.err"
export SCEMBED_WORKFLOW_DIR='<tmp>/wf'
exec <node> <scembed> task --manifest '<tmp>/wf/manifest.json' -s embedding_preparation --index "$SLURM_ARRAY_TASK_ID"

--- <tmp>/wf/embedding_cpu/submit_1.sbatch ---
#!/bin/bash
#SBATCH --job-name=scembed_embedding_cpu
#SBATCH --array=1-2%10
#SBATCH --output=<tmp>/wf/embedding_cpu/slurm_%A_%a.out
#SBATCH --partition=cpu
#SBATCH --mem=60G
#SBATCH --time=06:00:00
#SBATCH --account=lab
#SBATCH --signal=B:TERM@120
#SBATCH --exclusive
set -euo pipefail
dir='<tmp>/wf/embedding_cpu'/job_\${SLURM_ARRAY_JOB_ID}/array_\${SLURM_ARRAY_JOB_ID}
mkdir -p "$dir"
exec >"$dir/task_\${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_\${SLURM_ARRAY_TASK_ID}.err"
export SCEMBED_WORKFLOW_DIR='<tmp>/wf'
exec <node> <scembed> task --manifest '<tmp>/wf/manifest.json' -s embedding_cpu --index "$SLURM_ARRAY_TASK_ID"

--- <tmp>/wf/embedding_gpu/submit_1.sbatch ---
#!/bin/bash
#SBATCH --job-name=scembed_embedding_gpu
#SBATCH --array=0-2%10
#SBATCH --output=<tmp>/wf/embedding_gpu/slurm_%A_%a.out
#SBATCH --partition=gpu
#SBATCH --time=06:00:00
#SBATCH --gres=gpu:1
#SBATCH --requeue
#SBATCH --signal=B:TERM@300
#SBATCH --exclusive
set -euo pipefail
dir='<tmp>/wf/embedding_gpu'/job_\${SLURM_ARRAY_JOB_ID}/array_\${SLURM_ARRAY_JOB_ID}
mkdir -p "$dir"
exec >"$dir/task_\${SLURM_ARRAY_TASK_ID}.out" 2>"$dir/task_\${SLURM_ARRAY_TASK_ID}.err"
export SCEMBED_WORKFLOW_DIR='<tmp>/wf'
exec <node> <scembed> task --manifest '<tmp>/wf/manifest.json' -s embedding_gpu --index "$SLURM_ARRAY_TASK_ID"

--- <tmp>/wf/hook.sbatch ---
#!/bin/bash
#SBATCH --job-name=scembed_hook
#SBATCH --output=<tmp>/wf/hook_%j.out
python make_dataset.py
`;
