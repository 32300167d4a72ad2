/**
 * The library surface (src/index.ts): its export names are snapshotted here so that a change to
 * the surface shows in review, and the CLI imports nothing else from src.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as api from "../src/index.ts";
import { createLogger, embedOneFile, memoryLogger } from "../src/index.ts";
import { DEMO_H5AD, REPO, tempDir } from "./helpers/paths.ts";

const EXPORTS = [
  "AnnDataReader",
  "CodecError",
  "ConfigError",
  "CudaError",
  "FILE_TASK_LABEL",
  "InputError",
  "InterruptedError",
  "LockError",
  "ScembedError",
  "applyOverrides",
  "createLogger",
  "embedOneFile",
  "formatInspection",
  "formatStatus",
  "formatSummary",
  "getMethod",
  "gpuReport",
  "inspectFile",
  "interruptedReport",
  "interruptible",
  "isOverride",
  "loadConfig",
  "localExecutor",
  "memoryLogger",
  "methodNames",
  "packagePath",
  "packageVersion",
  "REDUCED_DIM",
  "buildReport",
  "configOutputs",
  "jsonPathOf",
  "writeReport",
  "parseConfig",
  "planFile",
  "planSection",
  "planWorkflow",
  "recordTask",
  "removeOwnTemps",
  "runTask",
  "sectionName",
  "slurmExecutor",
  "summarize",
  "workflowStatus",
  "writeSummary",
];

test("the public API exports exactly the snapshotted names", () => {
  assert.deepEqual(Object.keys(api).sort(), [...EXPORTS].sort());
});

test("the CLI uses only the public API (src/index.ts) and its own files", () => {
  const dir = join(REPO, "src/cli");
  const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
  const outside: string[] = [];
  for (const f of files) {
    for (const [, spec] of readFileSync(join(dir, f), "utf8").matchAll(/from "([^"]+)"/g)) {
      if (
        spec!.startsWith("node:") ||
        /^\.\/|^\.\.\/(args|config-file|interrupt)\.ts$/.test(spec!) ||
        spec!.endsWith("/index.ts")
      )
        continue;
      outside.push(`${f}: ${spec}`);
    }
  }
  assert.deepEqual(outside, []);
});

test("the module doc's example runs: embedOneFile adds obsm/X_gs to a zarr copy", async (t) => {
  const output = join(tempDir(t), "chunk_0.zarr");
  const log = memoryLogger();
  const report = await embedOneFile({ input: DEMO_H5AD, output, methods: ["gs"] }, log);
  assert.deepEqual(
    report.results.map((r) => [r.key, r.status]),
    [["X_gs", "written"]],
  );
  const reader = await api.AnnDataReader.open(output);
  assert.deepEqual(
    (await reader.obsm()).map((e) => [e.key, e.shape]),
    [["X_gs", [2860, 3936]]],
  );
  reader.close();
  assert.equal(typeof createLogger, "function");
  await assert.rejects(
    embedOneFile({ input: DEMO_H5AD, output, methods: ["nope"] }, log),
    (e: Error) => e instanceof api.ConfigError && /unknown method 'nope'/.test(e.message),
  );
});
