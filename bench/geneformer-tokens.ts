/**
 * Benchmark input for the Geneformer GPU benchmark: the shipped real dataset (data/pbmc_10x_3chem.h5ad)
 * tokenized with the V2 rules (the given stand-in dictionaries: the V2 median file is not public)
 * and the V1 rules (shipped dictionaries), tiled to `cells` cells, written as <mode>.ids.npy (int32)
 * and <mode>.offsets.npy (int64) for both engines.
 *   node dist/bench/geneformer-tokens.js OUT_DIR CELLS V2_TOKEN_DICT V2_MEDIANS
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { loadDictionaries, SHIPPED } from "../src/models/geneformer-dictionaries.ts";
import { geneSlots, tokenizeBlock } from "../src/models/geneformer-tokenizer.ts";
import { packagePath } from "../src/package-root.ts";
import { writeNpy } from "./npy-writer.ts";

const [outDir, cellsArg, v2Tokens, v2Medians] = process.argv.slice(2);
if (!outDir || !v2Tokens || !v2Medians)
  throw new Error("usage: geneformer-tokens OUT_DIR CELLS V2_TOKEN_DICT V2_MEDIANS");
const cells = Number(cellsArg ?? 20000);
mkdirSync(outDir, { recursive: true });
const modes = {
  v2: { rules: { inputSize: 4096, specialTokens: true }, dict: { tokenDictionary: v2Tokens, geneMedians: v2Medians } },
  v1: {
    rules: { inputSize: 2048, specialTokens: false },
    dict: { tokenDictionary: SHIPPED.v1Tokens, geneMedians: SHIPPED.v1Medians },
  },
};
const reader = await AnnDataReader.open(packagePath("data/pbmc_10x_3chem.h5ad"));
const ids = (await reader.column("var", "ensembl_id")).map((v) => String(v ?? ""));
const nCounts = (await reader.column("obs", "n_counts")).map(Number);
const block = await (await reader.matrix("layers/counts")).readRows(0, reader.nObs);
for (const [mode, m] of Object.entries(modes)) {
  const dict = loadDictionaries(m.dict);
  const tb = tokenizeBlock(block, nCounts, geneSlots(ids, dict), m.rules, dict);
  const lengths = Array.from({ length: reader.nObs }, (_, i) => tb.offsets[i + 1]! - tb.offsets[i]!);
  const offsets = new BigInt64Array(cells + 1);
  for (let i = 0; i < cells; i++) offsets[i + 1] = offsets[i]! + BigInt(lengths[i % reader.nObs]!);
  const all = new Int32Array(Number(offsets[cells]));
  for (let i = 0; i < cells; i++)
    all.set(tb.tokens.subarray(tb.offsets[i % reader.nObs]!, tb.offsets[(i % reader.nObs) + 1]!), Number(offsets[i]));
  writeNpy(join(outDir, `${mode}.ids.npy`), all);
  writeNpy(join(outDir, `${mode}.offsets.npy`), offsets);
  const mean = all.length / cells;
  console.log(
    `${mode}: ${cells} cells (${reader.nObs} real, tiled), mean ${mean.toFixed(0)} tokens, max ${Math.max(...lengths)}`,
  );
}
reader.close();
