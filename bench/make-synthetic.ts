/** Writes a synthetic AnnData zarr (CSR counts, Ensembl ids, 8000 genes of which 4000 are in gs10k). */
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { geneIds, writeSyntheticZarr } from "../test/helpers/synthetic.ts";

const [path, cells = "20000", density = "0.05"] = process.argv.slice(2);
if (!path) throw new Error("usage: node dist/bench/make-synthetic.js <out.zarr> [cells] [density]");
await writeSyntheticZarr(path, {
  nObs: Number(cells),
  genes: geneIds(readGeneList(shippedGeneList("gs10k")), 4000, 4000),
  density: Number(density),
  seed: 11,
});
