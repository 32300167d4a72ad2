/**
 * Crash safety and concurrent writers, with real processes: a SIGKILL in the middle of writing an
 * embedding leaves no partial array and a rerun completes it; two processes writing different
 * keys into one new output file both succeed.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { runCli, runCliAsync } from "./helpers/cli.ts";
import { CLI, REPO, tempDir } from "./helpers/paths.ts";
import { anndataAvailable, python, PYTHON } from "./helpers/python.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";
import { treeHash } from "./helpers/tree-hash.ts";

const hasPython = anndataAvailable();

test("SIGKILL while writing an embedding: no partial array; a rerun completes it; input unchanged", async (t) => {
  const dir = tempDir(t);
  const input = join(dir, "chunk_0.zarr");
  const genes = geneIds(readGeneList(shippedGeneList("gs10k")), 3000, 1000);
  await writeSyntheticZarr(input, { nObs: 12000, genes, density: 0.05, seed: 7 });
  const before = treeHash(input);
  const output = join(dir, "out", "chunk_0.zarr");
  const args = ["embed", "--input", input, "--output", output, "--methods", "gs10k", "--chunk-rows", "128", "--quiet"];

  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: "ignore" });
  const obsm = join(output, "obsm");
  const deadline = Date.now() + 60_000;
  let killedWhileWriting = false;
  while (Date.now() < deadline && child.exitCode === null) {
    const temp = existsSync(obsm) ? readdirSync(obsm).find((n) => n.startsWith(".X_gs10k.writing-")) : undefined;
    if (temp && readdirSync(join(obsm, temp)).filter((n) => /^\d+\.0$/.test(n)).length >= 3) {
      child.kill("SIGKILL");
      killedWhileWriting = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => child.once("exit", r));
  assert.ok(killedWhileWriting, "the writer was killed mid-write");
  assert.equal(existsSync(join(obsm, "X_gs10k")), false, "no partial X_gs10k is visible");
  assert.deepEqual(await embeddingStatus(output, "X_gs10k", 12000, 10000), { state: "missing" });

  const rerun = runCli(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  const status = await embeddingStatus(output, "X_gs10k", 12000, 10000);
  assert.equal(status.state, "complete");
  assert.deepEqual(
    readdirSync(obsm)
      .filter((n) => n.startsWith("."))
      .sort(),
    [".zattrs", ".zgroup"],
    "the dead writer's temp dir was removed",
  );
  assert.equal(treeHash(input), before, "the input is byte-for-byte unchanged");
  if (hasPython) {
    const shape = python<number[]>(
      "import sys, json, anndata as ad; print(json.dumps(list(ad.read_zarr(sys.argv[1]).obsm['X_gs10k'].shape)))",
      [output],
    );
    assert.deepEqual(shape, [12000, 10000]);
  }
});

test("two processes writing different keys into one new output file both succeed", async (t) => {
  const dir = tempDir(t);
  const input = join(dir, "chunk_0.zarr");
  const genes = geneIds(readGeneList(shippedGeneList("gs")), 2000, 500);
  await writeSyntheticZarr(input, { nObs: 3000, genes, density: 0.05, seed: 3 });
  if (hasPython) execFileSync(PYTHON, ["-c", "import sys, zarr; zarr.consolidate_metadata(sys.argv[1])", input]);
  const output = join(dir, "out", "chunk_0.zarr");
  const common = ["--input", input, "--output", output, "--chunk-rows", "256", "--quiet"];
  const [a, b] = await Promise.all([
    runCliAsync(["embed", ...common, "--methods", "gs"]),
    runCliAsync(["embed", ...common, "--methods", "gs10k"]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.equal((await embeddingStatus(output, "X_gs", 3000, 3936)).state, "complete");
  assert.equal((await embeddingStatus(output, "X_gs10k", 3000, 10000)).state, "complete");
  const created = [a.stderr, b.stderr].join("\n");
  assert.ok(!/error/i.test(created), created);
  if (hasPython) {
    const keys = python<{ consolidated: string[]; anndata: string[] }>(
      "import sys, json, zarr, anndata as ad; print(json.dumps({'consolidated': sorted(zarr.open_consolidated(sys.argv[1], mode='r')['obsm'].keys()), 'anndata': sorted(ad.read_zarr(sys.argv[1]).obsm.keys())}))",
      [output],
    );
    assert.deepEqual(keys.anndata, ["X_gs", "X_gs10k"]);
    assert.deepEqual(keys.consolidated, ["X_gs", "X_gs10k"]);
  }
});
