/** A synthetic raw-count AnnData zarr whose genes are Geneformer V1 vocabulary genes. */
import { loadDictionaries, SHIPPED } from "../src/models/geneformer-dictionaries.ts";
import { writeSyntheticZarr } from "../test/helpers/synthetic.ts";

const [path, cells = "100000", genes = "20000", density = "0.07"] = process.argv.slice(2);
const dict = loadDictionaries({ tokenDictionary: SHIPPED.v1Tokens, geneMedians: SHIPPED.v1Medians });
const ids = [...dict.medians.keys()].slice(0, Number(genes));
await writeSyntheticZarr(path!, {
  nObs: Number(cells),
  genes: ids,
  density: Number(density),
  seed: 5,
  withCounts: false,
});
