/** The tokenizer against the upstream Geneformer tokenizer's output on all 2860 cells, V1 and V2 rules. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { loadDictionaries } from "../src/models/geneformer-dictionaries.ts";
import { geneSlots, tokenizeBlock } from "../src/models/geneformer-tokenizer.ts";
import { readNpy } from "./helpers/npy.ts";
import { FIXTURES, REAL, SHARED } from "./helpers/paths.ts";

const GF = join(FIXTURES, "geneformer");
const MODES = {
  v1: { inputSize: 2048, specialTokens: false, tokens: join(SHARED, "reference-data/geneformer/v1/token_dictionary_gc30M.pkl"), medians: join(SHARED, "reference-data/geneformer/v1/gene_median_dictionary_gc30M.pkl") },
  v2: { inputSize: 4096, specialTokens: true, tokens: join(GF, "token_dictionary_gc104M_v2standin.pkl"), medians: join(GF, "gene_median_dictionary_v2standin.pkl") },
};

for (const [mode, m] of Object.entries(MODES)) {
  test(`${mode} tokens equal the upstream tokenizer's for every cell`, async () => {
    const dict = loadDictionaries({ tokenDictionary: m.tokens, geneMedians: m.medians });
    const reader = await AnnDataReader.open(join(REAL, "pbmc_10x_3chem.h5ad"));
    const ids = (await reader.column("var", "ensembl_id")).map((v) => String(v ?? ""));
    const slots = geneSlots(ids, dict);
    const nCounts = (await reader.column("obs", "n_counts")) as number[];
    const counts = await reader.matrix("layers/counts");
    const expectedIds = readNpy(join(GF, `pbmc_10x_3chem.${mode}.input_ids.npy`)).data as Int32Array;
    const expectedOffsets = Array.from(readNpy(join(GF, `pbmc_10x_3chem.${mode}.offsets.npy`)).data as BigInt64Array, Number);
    const expectedUncropped = readNpy(join(GF, `pbmc_10x_3chem.${mode}.length_uncropped.npy`)).data as Int32Array;
    let mismatched = 0, checked = 0;
    for (let r0 = 0; r0 < reader.nObs; r0 += 1000) {
      const r1 = Math.min(reader.nObs, r0 + 1000);
      const tb = tokenizeBlock(await counts.readRows(r0, r1), nCounts.slice(r0, r1), slots, m, dict);
      for (let r = r0; r < r1; r++) {
        const got = tb.tokens.subarray(tb.offsets[r - r0]!, tb.offsets[r - r0 + 1]!);
        const want = expectedIds.subarray(expectedOffsets[r]!, expectedOffsets[r + 1]!);
        if (got.length !== want.length || got.some((t, i) => t !== want[i])) mismatched++;
        assert.equal(tb.uncropped[r - r0], expectedUncropped[r], `cell ${r} uncropped length`);
        checked++;
      }
    }
    assert.equal(checked, 2860);
    assert.equal(mismatched, 0, `${mismatched} cells differ`);
    reader.close();
  });
}
