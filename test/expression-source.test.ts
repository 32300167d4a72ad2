/** x_is: auto decides per file from X and layers['counts'], says why, and all routes agree. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { lognormSource } from "../src/pipeline/expression-source.ts";
import { tempDir } from "./helpers/paths.ts";
import { geneIds, writeSyntheticZarr } from "./helpers/synthetic.ts";
import { expectClose } from "./helpers/expect-close.ts";

const GENES = geneIds(readGeneList(shippedGeneList("gs")), 100, 50);

test("auto: counts in X, log-normalized X, and x_is overrides, all give the same expression", async (t) => {
  const dir = tempDir(t);
  const counts = join(dir, "counts.zarr"),
    lognorm = join(dir, "lognorm.zarr");
  await writeSyntheticZarr(counts, { nObs: 120, genes: GENES, density: 0.2, seed: 9 });
  await writeSyntheticZarr(lognorm, { nObs: 120, genes: GENES, density: 0.2, seed: 9, x: "lognorm" });
  const rc = await AnnDataReader.open(counts),
    rl = await AnnDataReader.open(lognorm);
  const a = await lognormSource(rc, "auto");
  const b = await lognormSource(rl, "auto");
  assert.match(a.reason, /X holds integer counts \(equal to layers\['counts'\]\)/);
  assert.equal(a.transform, "lognorm");
  assert.match(b.reason, /X is log-normalized \(median row sum of expm1\(X\) = 10000\.\d ≈ 1e4\)/);
  assert.equal(b.transform, "none");
  const [x, y] = [await a.read(0, 120), await b.read(0, 120)];
  assert.deepEqual(x.indices, y.indices);
  expectClose(x.data, y.data, { atol: 1e-6, label: "lognorm via counts vs stored" });
  const forced = await lognormSource(rc, "lognorm");
  assert.match(forced.reason, /configured/);
  assert.equal(forced.transform, "none");
  rc.close();
  rl.close();
});
