/**
 * The tokenizer against the upstream Geneformer tokenizer's output on all 2860 cells, V1 and V2
 * rules: the first 96 cells token by token, every cell through the sha256 of its token ids (the
 * full token arrays are 15 MB each; test/fixtures/README.md says how the digests were made).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { geneSlots, tokenizeBlock } from "../src/models/geneformer-tokenizer.ts";
import { readNpy } from "./helpers/npy.ts";
import { DEMO_H5AD, FIXTURES, V1_DICTIONARIES } from "./helpers/paths.ts";

const GF = join(FIXTURES, "geneformer");
const MODES = {
  v1: {
    inputSize: 2048,
    specialTokens: false,
    tokens: V1_DICTIONARIES.tokenDictionary,
    medians: V1_DICTIONARIES.geneMedians,
  },
  v2: {
    inputSize: 4096,
    specialTokens: true,
    tokens: join(GF, "token_dictionary_gc104M_v2standin.pkl"),
    medians: join(GF, "gene_median_dictionary_v2standin.pkl"),
  },
};

for (const [mode, m] of Object.entries(MODES)) {
  test(`${mode} tokens equal the upstream tokenizer's for every cell`, async () => {
    const dict = loadDictionaries({ tokenDictionary: m.tokens, geneMedians: m.medians });
    const reader = await AnnDataReader.open(DEMO_H5AD);
    const ids = (await reader.column("var", "ensembl_id")).map((v) => String(v ?? ""));
    const slots = geneSlots(ids, dict);
    const nCounts = (await reader.column("obs", "n_counts")) as number[];
    const counts = await reader.matrix("layers/counts");
    const expectedIds = readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.input_ids.npy`)).data as Int32Array;
    const expectedOffsets = Array.from(
      readNpy(join(GF, `pbmc_10x_3chem.${mode}.first96.offsets.npy`)).data as BigInt64Array,
      Number,
    );
    const digests = readFileSync(join(GF, `pbmc_10x_3chem.${mode}.token_sha256.txt`), "utf8")
      .trim()
      .split("\n");
    assert.equal(digests.length, 2860);
    const expectedUncropped = readNpy(join(GF, `pbmc_10x_3chem.${mode}.length_uncropped.npy`)).data as Int32Array;
    const differing: number[] = [];
    let checked = 0;
    for (let r0 = 0; r0 < reader.nObs; r0 += 1000) {
      const r1 = Math.min(reader.nObs, r0 + 1000);
      const tb = tokenizeBlock(await counts.readRows(r0, r1), nCounts.slice(r0, r1), slots, m, dict);
      for (let r = r0; r < r1; r++) {
        const got = tb.tokens.subarray(tb.offsets[r - r0]!, tb.offsets[r - r0 + 1]!);
        if (r < 96)
          assert.deepEqual(got, expectedIds.subarray(expectedOffsets[r]!, expectedOffsets[r + 1]!), `cell ${r} tokens`);
        const digest = createHash("sha256")
          .update(new Uint8Array(got.buffer, got.byteOffset, got.byteLength))
          .digest("hex")
          .slice(0, 16);
        if (digest !== digests[r]) differing.push(r);
        assert.equal(tb.uncropped[r - r0], expectedUncropped[r], `cell ${r} uncropped length`);
        checked++;
      }
    }
    assert.equal(checked, 2860);
    assert.deepEqual(
      differing,
      [],
      `${differing.length} cells' tokens differ from the upstream tokenizer's (first: ${differing.slice(0, 10).join(", ")})`,
    );
    reader.close();
  });
}
