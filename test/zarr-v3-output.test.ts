/**
 * zarr v3 output, through the real CLI: an .h5ad becomes a sharded, consolidated v3 store whose
 * embeddings equal the v2 path's bit for bit; a v3 input is copied byte for byte and gains v3 obsm
 * arrays; completeness reads shard indexes; a SIGKILL mid-write and two concurrent writers leave
 * the store whole, its root consolidated metadata listing every array.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import { writeBoolObsColumn } from "../src/anndata/obs-column.ts";
import { treeToZarr } from "../src/anndata/tree-to-zarr.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { openTree } from "../src/store/open-tree.ts";
import type { ArrayNode } from "../src/store/tree.ts";
import { zarrFormatOf } from "../src/store/zarr-node.ts";
import { runCli, runCliAsync } from "./helpers/cli.ts";
import { CLI, REAL, REPO, tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";
import { treeHash } from "./helpers/tree-hash.ts";

const H5AD = join(REAL, "pbmc1k_v3_chr21.h5ad");
const N_OBS = 1107;

async function readAll(store: string, key: string): Promise<ArrayLike<unknown>> {
  const tree = await openTree(store);
  try {
    const node = await tree.get(key);
    assert.equal(node?.kind, "array", `${store}: ${key}`);
    return (node as ArrayNode).readAll();
  } finally {
    tree.close();
  }
}

const bytesOf = (a: ArrayLike<unknown>) =>
  Buffer.from((a as Float32Array).buffer, (a as Float32Array).byteOffset, (a as Float32Array).byteLength);
const rootMeta = (store: string) => JSON.parse(readFileSync(join(store, "zarr.json"), "utf8"));

/** A v3 copy of a synthetic v2 store, converted by our h5ad/zarr → zarr v3 writer. */
async function syntheticV3(dir: string, nObs: number, panel: "gs" | "gs10k", seed: number): Promise<string> {
  const genes = geneIds(readGeneList(shippedGeneList(panel)), 2000, 500);
  await writeSyntheticZarr(join(dir, "v2.zarr"), { nObs, genes, density: 0.05, seed });
  const tree = await openTree(join(dir, "v2.zarr"));
  await treeToZarr(tree, join(dir, "in.zarr"), 3);
  tree.close();
  rmSync(join(dir, "v2.zarr"), { recursive: true });
  return join(dir, "in.zarr");
}

test("h5ad in → zarr v3 out: sharded, consolidated, data unchanged; gs, gs10k, hvg, pca bit-identical to zarr v2 out", async (t) => {
  const dir = tempDir(t);
  const [out3, out2] = [join(dir, "v3.zarr"), join(dir, "v2.zarr")];
  const args = (out: string) => [
    "embed",
    "--input",
    H5AD,
    "--output",
    out,
    "--methods",
    "gs,gs10k,hvg,pca",
    "++embedding_dim_map={hvg: 64}",
    "--quiet",
  ];
  for (const r of [runCli(args(out3)), runCli([...args(out2), "++output_zarr_format=2"])])
    assert.equal(r.code, 0, r.stderr);
  assert.equal(await zarrFormatOf(out3), 3);
  assert.equal(await zarrFormatOf(out2), 2);

  for (const key of ["obsm/X_gs", "obsm/X_gs10k", "obsm/X_hvg", "obsm/X_pca"]) {
    assert.ok(
      bytesOf(await readAll(out3, key)).equals(bytesOf(await readAll(out2, key))),
      `${key}: v3 equals v2 bit for bit`,
    );
  }
  for (const key of ["X/data", "X/indices", "X/indptr", "obs/_index", "var/_index"]) {
    assert.deepEqual(Array.from(await readAll(out3, key)), Array.from(await readAll(H5AD, key)), key);
  }
  // one shard per write block (the whole file here), inner chunks of at most 1024 rows
  const meta = JSON.parse(readFileSync(join(out3, "obsm/X_gs/zarr.json"), "utf8"));
  assert.deepEqual(meta.attributes, { "encoding-type": "array", "encoding-version": "0.2.0" });
  assert.deepEqual(meta.chunk_grid.configuration.chunk_shape, [2048, 3936]);
  assert.equal(meta.codecs[0].name, "sharding_indexed");
  assert.deepEqual(meta.codecs[0].configuration.chunk_shape, [1024, 3936]);
  assert.deepEqual(readdirSync(join(out3, "obsm/X_gs/c/0")), ["0"]);
  const consolidated = rootMeta(out3).consolidated_metadata.metadata;
  assert.deepEqual(consolidated["obsm/X_gs"], meta, "the root's consolidated metadata lists the new array");
  assert.equal(consolidated["X/data"].codecs[0].name, "sharding_indexed", "converted arrays are sharded too");
  assert.equal(consolidated["obsm"].node_type, "group");

  assert.deepEqual(await embeddingStatus(out3, "X_gs", N_OBS, 3936), {
    state: "complete",
    shape: [N_OBS, 3936],
    consolidatedStale: false,
  });
  const again = runCli(args(out3));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /X_gs +skipped/);
});

test("v3 in → v3 out: arrays copied byte for byte (codecs and sharding kept), new obsm in v3", async (t) => {
  const dir = tempDir(t);
  const input = await syntheticV3(dir, 900, "gs10k", 5);
  const before = treeHash(input);
  const out = join(dir, "out.zarr");
  const r = runCli([
    "embed",
    "--input",
    input,
    "--output",
    out,
    "--methods",
    "gs10k",
    "--chunk-rows",
    "256",
    "--quiet",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(treeHash(input), before, "the input is unchanged");
  for (const key of ["X", "layers", "obs", "var"])
    assert.equal(treeHash(join(out, key)), treeHash(join(input, key)), `${key} copied byte for byte`);
  // blocks of 256 rows: shards of 256 rows, each one inner chunk; 4 shards for 900 rows
  const meta = JSON.parse(readFileSync(join(out, "obsm/X_gs10k/zarr.json"), "utf8"));
  assert.deepEqual(
    [meta.chunk_grid.configuration.chunk_shape, meta.codecs[0].configuration.chunk_shape],
    [
      [256, 10000],
      [256, 10000],
    ],
  );
  assert.deepEqual(readdirSync(join(out, "obsm/X_gs10k/c")).sort(), ["0", "1", "2", "3"]);
  assert.ok(rootMeta(out).consolidated_metadata.metadata["obsm/X_gs10k"]);
  assert.equal((await embeddingStatus(out, "X_gs10k", 900, 10000)).state, "complete");
});

test("completeness reads shard indexes: a missing shard, a corrupt index or a stale listing is found and repaired", async (t) => {
  const dir = tempDir(t);
  const input = await syntheticV3(dir, 600, "gs", 9);
  const out = join(dir, "out.zarr");
  const args = ["embed", "--input", input, "--output", out, "--methods", "gs", "--chunk-rows", "128", "--quiet"];
  assert.equal(runCli(args).code, 0);
  const original = bytesOf(await readAll(out, "obsm/X_gs"));
  const shard = join(out, "obsm/X_gs/c/2/0");
  const damages: [string, () => void, string][] = [
    ["missing shard", () => rmSync(shard), "incomplete"],
    [
      "corrupt index",
      () => writeFileSync(shard, Buffer.concat([readFileSync(shard).subarray(0, 40), Buffer.alloc(20)])),
      "incomplete",
    ],
    [
      "stale consolidated metadata",
      () => {
        const root = rootMeta(out);
        delete root.consolidated_metadata.metadata["obsm/X_gs"];
        writeFileSync(join(out, "zarr.json"), JSON.stringify(root));
      },
      "complete",
    ],
  ];
  for (const [what, damage, state] of damages) {
    damage();
    const status = await embeddingStatus(out, "X_gs", 600, 3936);
    assert.equal(status.state, state, what);
    if (status.state === "incomplete") assert.equal(status.missingChunks, 1, what);
    if (status.state === "complete") assert.equal(status.consolidatedStale, true, what);
    const r = runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      await embeddingStatus(out, "X_gs", 600, 3936),
      { state: "complete", shape: [600, 3936], consolidatedStale: false },
      what,
    );
    assert.ok(bytesOf(await readAll(out, "obsm/X_gs")).equals(original), `${what}: recomputed the same values`);
  }
});

test("an obs column added to a v3 store: its zarr.json, the obs column-order and the consolidated metadata", async (t) => {
  const dir = tempDir(t);
  const store = await syntheticV3(dir, 50, "gs", 2);
  const values = Uint8Array.from({ length: 50 }, (_, i) => (i % 3 === 0 ? 1 : 0));
  await writeBoolObsColumn(store, "tokens_valid", values);
  assert.deepEqual(Array.from(await readAll(store, "obs/tokens_valid")), Array.from(values));
  const obs = JSON.parse(readFileSync(join(store, "obs/zarr.json"), "utf8"));
  assert.equal(obs.attributes["column-order"].at(-1), "tokens_valid");
  const consolidated = rootMeta(store).consolidated_metadata.metadata;
  assert.deepEqual(consolidated["obs"].attributes, obs.attributes);
  assert.equal(consolidated["obs/tokens_valid"].data_type, "bool");
});

test("SIGKILL while writing a v3 embedding: no partial array; a rerun completes it", async (t) => {
  const dir = tempDir(t);
  const input = await syntheticV3(dir, 6000, "gs10k", 7);
  const output = join(dir, "out", "chunk_0.zarr");
  const args = ["embed", "--input", input, "--output", output, "--methods", "gs10k", "--chunk-rows", "128", "--quiet"];
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: "ignore" });
  const obsm = join(output, "obsm");
  const deadline = Date.now() + 60_000;
  let killedWhileWriting = false;
  while (Date.now() < deadline && child.exitCode === null) {
    const temp = existsSync(obsm) ? readdirSync(obsm).find((n) => n.startsWith(".X_gs10k.writing-")) : undefined;
    if (temp && existsSync(join(obsm, temp, "c")) && readdirSync(join(obsm, temp, "c")).length >= 3) {
      child.kill("SIGKILL");
      killedWhileWriting = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await new Promise((r) => child.once("exit", r));
  assert.ok(killedWhileWriting, "the writer was killed mid-write");
  assert.equal(existsSync(join(obsm, "X_gs10k")), false, "no partial X_gs10k is visible");
  assert.deepEqual(await embeddingStatus(output, "X_gs10k", 6000, 10000), { state: "missing" });
  const rerun = runCli(args);
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.equal((await embeddingStatus(output, "X_gs10k", 6000, 10000)).state, "complete");
  assert.deepEqual(readdirSync(obsm), ["X_gs10k", "zarr.json"], "the dead writer's temp dir was removed");
});

test("two processes writing different keys into one new v3 output both land in its consolidated metadata", async (t) => {
  const dir = tempDir(t);
  const input = await syntheticV3(dir, 1500, "gs", 3);
  const output = join(dir, "out", "chunk_0.zarr");
  const common = ["--input", input, "--output", output, "--chunk-rows", "256", "--quiet"];
  const [a, b] = await Promise.all([
    runCliAsync(["embed", ...common, "--methods", "gs"]),
    runCliAsync(["embed", ...common, "--methods", "gs10k"]),
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const consolidated = rootMeta(output).consolidated_metadata.metadata;
  assert.deepEqual(
    Object.keys(consolidated)
      .filter((k) => k.startsWith("obsm/"))
      .sort(),
    ["obsm/X_gs", "obsm/X_gs10k"],
  );
  assert.equal((await embeddingStatus(output, "X_gs", 1500, 3936)).state, "complete");
  assert.equal((await embeddingStatus(output, "X_gs10k", 1500, 10000)).state, "complete");
});

test("h5ad → zarr v3 conversion keeps every element: groups, attributes and every array's values", async (t) => {
  const dir = tempDir(t);
  for (const name of ["pbmc1k_v3_chr21.h5ad", "pbmc68k_reduced_counts.h5ad"]) {
    const source = await openTree(join(REAL, name));
    const dest = join(dir, name.replace(".h5ad", ".zarr"));
    await treeToZarr(source, dest, 3);
    const copy = await openTree(dest);
    let arrays = 0;
    const walk = async (key: string): Promise<void> => {
      const [a, b] = [await source.get(key), await copy.get(key)];
      assert.equal(b?.kind, a?.kind, `${name}: ${key}`);
      assert.deepEqual(b!.attrs, a!.attrs, `${name}: ${key} attributes`);
      if (a!.kind === "group") {
        for (const child of await a!.keys()) await walk(key === "" ? child : `${key}/${child}`);
        return;
      }
      arrays++;
      assert.deepEqual((b as ArrayNode).shape, (a as ArrayNode).shape, `${name}: ${key} shape`);
      const values = async (n: ArrayNode) => Array.from((await n.readAll()) as ArrayLike<unknown>);
      assert.deepEqual(await values(b as ArrayNode), await values(a as ArrayNode), `${name}: ${key}`);
    };
    await walk("");
    assert.ok(arrays > 10, `${name}: ${arrays} arrays compared`);
    source.close();
  }
});
