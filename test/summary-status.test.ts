/**
 * What a workflow leaves to read without SLURM: `run --workflow-dir` (local) writes manifest.json,
 * task records and summary.json, and `status --json` reports every planned output from them;
 * a task that gets SIGTERM stops between its steps, records "interrupted", leaves no array.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import type { WorkflowStatus } from "../src/executors/workflow-status.ts";
import { loadConfig, planWorkflow } from "../src/index.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { runCli } from "./helpers/cli.ts";
import { CLI, FIXTURES, REPO, V1_DICTIONARIES, tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";

test("a local run with --workflow-dir writes summary.json; status --json reports each planned output", async (t) => {
  const dir = tempDir(t);
  const genes = geneIds(readGeneList(shippedGeneList("gs")), 200, 50);
  const inputs = [join(dir, "in/chunk_0.zarr"), join(dir, "in/chunk_1.zarr")];
  for (const [i, p] of inputs.entries()) await writeSyntheticZarr(p, { nObs: 40 + i, genes, seed: i + 1 });
  const config = join(dir, "d.yaml");
  writeFileSync(
    config,
    `embedding_preparation: {methods: [gs], input_files: [${inputs}], output_dir: ${join(dir, "out")}}\nembedding_cpu: {methods: [gs], input_files: [${inputs}], output_dir: ${join(dir, "out")}}\n`,
  );
  const wf = join(dir, "wf");
  const r = runCli(["run", "-c", config, "--workers", "1", "--workflow-dir", wf]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /summary: 2 file\(s\), 4 result\(s\): 2 written, 2 prepared\ntask +file +key +status +detail +seconds +cells\/s\n/,
  );
  const summary = JSON.parse(readFileSync(join(wf, "summary.json"), "utf8"));
  assert.deepEqual(summary.counts, { written: 2, prepared: 2 });
  assert.deepEqual(
    summary.rows.map((x: { task: string; key: string; status: string; nObs: number }) => [
      x.task,
      x.key,
      x.status,
      x.nObs,
    ]),
    [
      ["embedding_preparation#0", "X_gs", "prepared", 40],
      ["embedding_preparation#1", "X_gs", "prepared", 41],
      ["embedding_cpu#0", "X_gs", "written", 40],
      ["embedding_cpu#1", "X_gs", "written", 41],
    ],
  );
  assert.deepEqual(Object.keys(summary.rows[0]), [
    "task",
    "input",
    "output",
    "nObs",
    "method",
    "key",
    "status",
    "detail",
    "seconds",
    "cellsPerSecond",
  ]);

  const status = runCli(["status", wf, "--json"]);
  assert.equal(status.code, 0, status.stderr);
  const s = JSON.parse(status.stdout) as WorkflowStatus;
  assert.equal(s.executor, "local");
  assert.deepEqual(s.outputs, { complete: 2 });
  assert.deepEqual(
    s.sections.map((x) => [
      x.section,
      x.tasks.map((y) => [y.index, y.slurm, y.lastRun?.status, y.outputs?.map((o) => o.state) ?? null]),
    ]),
    [
      [
        "embedding_preparation",
        [
          [0, null, "prepared", null],
          [1, null, "prepared", null],
        ],
      ],
      [
        "embedding_cpu",
        [
          [0, null, "written", ["complete"]],
          [1, null, "written", ["complete"]],
        ],
      ],
    ],
  );
  // an output damaged afterwards shows as partial: status reads the outputs, not only what the tasks said
  const out1 = s.sections[1]!.tasks[1]!.output;
  rmSync(join(out1, "obsm/X_gs", readdirSync(join(out1, "obsm/X_gs")).find((f) => /^\d/.test(f))!));
  const text = runCli(["status", wf]);
  assert.match(
    text.stdout,
    /# embedding_cpu\nindex +file +last run +outputs\n0 +in\/chunk_0\.zarr +written +gs complete\n1 +in\/chunk_1\.zarr +written +gs partial\n/,
  );
  assert.match(text.stdout, /outputs \(file × method\): 1 complete, 1 partial, 0 missing, 0 wrong-shape \(of 2\)/);
});

test("SIGTERM to a task: it stops between Geneformer batches, records interrupted, exits 1, leaves no array", async (t) => {
  const dir = tempDir(t);
  const genes = [...loadDictionaries(V1_DICTIONARIES).medians.keys()].slice(0, 2400);
  const input = join(dir, "in/slow.zarr");
  // 8 cells of 2048 tokens, one a batch (token_budget 2048), on the slow reference ops: batch boundaries to stop at
  await writeSyntheticZarr(input, { nObs: 8, genes, density: 0.9, seed: 7 });
  const config = join(dir, "slow.yaml");
  writeFileSync(
    config,
    `embedding_cpu: {methods: [geneformer-v1], batch_size: 1, input_files: [${input}], output_dir: ${join(dir, "out")}, init_kwargs: {model_dir: ${join(FIXTURES, "geneformer/models/tinyV1/bin")}, device: cpu-reference, token_budget: 2048}}\n`,
  );
  const wf = join(dir, "wf");
  const plan = planWorkflow(loadConfig(config, []).config);
  mkdirSync(wf, { recursive: true });
  writeFileSync(join(wf, "manifest.json"), JSON.stringify({ createdAt: "", sections: plan.sections }));

  const child = spawn(
    process.execPath,
    [CLI, "task", "--manifest", join(wf, "manifest.json"), "-s", "embedding_cpu", "--index", "0"],
    { cwd: REPO },
  );
  let stdout = "",
    stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => {
    stderr += d;
    if (/embed geneformer-v1: 8 cells/.test(stderr) && !child.killed) child.kill("SIGTERM");
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /SIGTERM: interrupted/);
  assert.match(stderr, /embed geneformer-v1: stopped at \d of 8/);
  assert.match(stdout, /X_geneformer-v1 +interrupted +SIGTERM at /);
  const output = plan.sections.embedding_cpu![0]!.output;
  assert.equal((await embeddingStatus(output, "X_geneformer-v1", 8, 64)).state, "missing");
  assert.deepEqual(
    readdirSync(join(output, "obsm"))
      .filter((n) => n.startsWith("."))
      .sort(),
    [".zattrs", ".zgroup"],
    "no temp array left",
  );
  const record = JSON.parse(readFileSync(join(wf, "tasks/embedding_cpu/task_0.json"), "utf8"));
  assert.equal(record.interrupted.signal, "SIGTERM");
  const status = runCli(["status", wf, "--json"]);
  assert.equal(status.code, 1, "an interrupted task whose output is not complete");
  const task = (JSON.parse(status.stdout) as WorkflowStatus).sections[0]!.tasks[0]!;
  assert.deepEqual(
    [task.lastRun?.status, task.lastRun?.signal, task.outputs?.[0]?.state],
    ["interrupted", "SIGTERM", "missing"],
  );
});
