/** Bad input gets a clear error naming the file, the key and the fix — and loses nothing. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { embeddingStatus } from "../src/anndata/completeness.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { compressorFor } from "../src/store/codecs/chain.ts";
import { DEFAULT_COMPRESSOR } from "../src/store/zarr-writer.ts";
import { runCli } from "./helpers/cli.ts";
import { tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr, type SyntheticOptions } from "./helpers/synthetic.ts";
import { treeHash } from "./helpers/tree-hash.ts";

const GENES = geneIds(readGeneList(shippedGeneList("gs")), 300, 100);

async function synthetic(dir: string, opts: Partial<SyntheticOptions> = {}): Promise<string> {
  const path = join(dir, "chunk_0.zarr");
  await writeSyntheticZarr(path, { nObs: 200, genes: GENES, density: 0.1, seed: 5, ...opts });
  return path;
}

/** Decodes one float32 chunk of a zarr array, lets `edit` change it, writes it back. */
async function editChunk(arrayDir: string, chunk: string, edit: (v: Float32Array) => void): Promise<void> {
  const codec = compressorFor(DEFAULT_COMPRESSOR);
  const bytes = await codec.decode(readFileSync(join(arrayDir, chunk)));
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  edit(values);
  writeFileSync(join(arrayDir, chunk), await codec.encode(new Uint8Array(values.buffer)));
}

function embed(input: string, output: string, ...extra: string[]) {
  return runCli(["embed", "--input", input, "--output", output, "--methods", "gs", "--quiet", ...extra]);
}

test("a missing input file", (t) => {
  const dir = tempDir(t);
  const r = embed(join(dir, "nope.zarr"), join(dir, "o.zarr"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /nope\.zarr.*file not found/);
});

test("a file that is not AnnData", (t) => {
  const dir = tempDir(t);
  const text = join(dir, "notes.h5ad");
  writeFileSync(text, "just text");
  const r1 = embed(text, join(dir, "o.zarr"));
  assert.equal(r1.code, 1);
  assert.match(r1.stderr, /notes\.h5ad: not an AnnData file/);
  const plainDir = join(dir, "folder.zarr");
  mkdirSync(plainDir);
  const r2 = embed(plainDir, join(dir, "o.zarr"));
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /not a zarr store/);
});

test("X neither counts nor log-normalized, and no layers['counts']", async (t) => {
  const dir = tempDir(t);
  const input = await synthetic(dir, { withCounts: false, x: "lognorm" });
  await editChunk(join(input, "X/data"), "0", (v) => v.forEach((x, i) => (v[i] = x - 6))); // as if scaled (z-scores)
  const r = embed(input, join(dir, "o.zarr"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'layers\/counts'.*neither raw counts nor log-normalized/s);
  assert.match(r.stderr, /fix: add the raw counts as layers\['counts'\]/);
});

test("missing var['ensembl_id'] with gene symbols as the index", async (t) => {
  const dir = tempDir(t);
  const input = await synthetic(dir, { withEnsembl: false });
  const r = embed(input, join(dir, "o.zarr"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'var\/ensembl_id'.*no Ensembl gene ids/s);
});

test("NaN and negative counts name the row and column", async (t) => {
  for (const [bad, word] of [
    [-3, "negative"],
    [NaN, "NaN"],
  ] as const) {
    const dir = tempDir(t);
    const input = await synthetic(dir);
    await editChunk(join(input, "X/data"), "0", (v) => (v[5] = bad));
    const r = embed(input, join(dir, "o.zarr"), "--x-is", "counts");
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`key 'X'.*${word}.*in row 0, column \\d+`, "s"));
  }
});

test("an empty file (0 cells)", async (t) => {
  const dir = tempDir(t);
  const input = await synthetic(dir, { nObs: 0 });
  const r = embed(input, join(dir, "o.zarr"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /has 0 cells/);
});

test("gene-list overlap: zero is an error, low is a warning with the fraction", async (t) => {
  const dir = tempDir(t);
  const none = await synthetic(dir, { genes: geneIds([], 0, 50) });
  const r = embed(none, join(dir, "o.zarr"));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /none of the 3936 gs genes is in the file/);
  const dir2 = tempDir(t);
  const low = await synthetic(dir2, { genes: geneIds(readGeneList(shippedGeneList("gs")), 40, 10) });
  const r2 = runCli(["embed", "--input", low, "--output", join(dir2, "o.zarr"), "--methods", "gs"]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stderr, /WARN .*gs: 40\/3936 genes found \(1\.0%.*low overlap/);
});

test("an existing obsm of the wrong shape fails without --overwrite and nothing is lost", async (t) => {
  const dir = tempDir(t);
  const input = await synthetic(dir);
  const out = join(dir, "o.zarr");
  const list = join(dir, "short.txt");
  writeFileSync(list, GENES.slice(0, 20).join("\n"));
  // X_gs with 20 columns, from a custom gene list
  assert.equal(
    runCli([
      "embed",
      "--input",
      input,
      "--output",
      out,
      "--methods",
      "gs",
      "--quiet",
      `++init_kwargs.gene_list_file=${list}`,
    ]).code,
    0,
  );
  const before = treeHash(out);
  const r = embed(input, out);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /key 'obsm\/X_gs'.*exists with shape \[200,20\], expected \(n_obs, 3936\).*--overwrite/s);
  assert.equal(treeHash(out), before, "the output is untouched");
  const r2 = embed(input, out, "--overwrite");
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal((await embeddingStatus(out, "X_gs", 200, 3936)).state, "complete", "overwrite changed the dimension");
});

test("a corrupt chunk names the file, the key and the chunk", async (t) => {
  const dir = tempDir(t);
  const input = await synthetic(dir, { chunkElements: 500 });
  writeFileSync(join(input, "X/data/1"), Buffer.from("garbage, not zstd"));
  const out = join(dir, "o.zarr");
  const r = embed(input, out, "--chunk-rows", "50");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /chunk_0\.zarr, key 'X\/data': chunk '1' is corrupt/);
  assert.equal((await embeddingStatus(out, "X_gs", 200, 3936)).state, "missing", "no partial embedding");
});

test("an unknown method is a usage error (exit 2) naming the key", (t) => {
  const dir = tempDir(t);
  const r = runCli(["embed", "--input", join(dir, "x.zarr"), "--output", join(dir, "o.zarr"), "--methods", "gs,nope"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /embedding_cpu\.methods\[1\].*unknown method 'nope'.*use one of: gs, gs10k/s);
});
