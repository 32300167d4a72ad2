/** Where the test data lives: the repo's data/ (the demo dataset) and test/fixtures/ (see its README). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../../src/package-root.ts";

export const REPO = packagePath();
/** golden outputs of the reference tools and small real datasets, with their provenance */
export const FIXTURES = packagePath("test/fixtures");
/** the demo dataset, data/pbmc_10x_3chem.h5ad (2,860 real PBMCs) */
export const DEMO_H5AD = packagePath("data/pbmc_10x_3chem.h5ad");
/** small real AnnData files written by anndata 0.8 */
export const REAL = join(FIXTURES, "data");
/** Geneformer's V1 dictionaries, as shipped in resources/ */
export const V1_DICTIONARIES = {
  tokenDictionary: packagePath("resources/geneformer/token_dictionary_gc30M.pkl"),
  geneMedians: packagePath("resources/geneformer/gene_median_dictionary_gc30M.pkl"),
};
export const CLI = join(REPO, "bin/scembed.js");

export function tempDir(t: { after(fn: () => void): void }, name = "scembed-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
