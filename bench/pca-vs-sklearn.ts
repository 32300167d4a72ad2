/**
 * PCA side by side with scikit-learn (Debian's python3-sklearn, /usr/bin/python3), one run:
 *  1. fit: 100k cells × 2000 HVGs of sparse log-normalized data, 50 components: the 2,860 real
 *     cells of data/pbmc_10x_3chem.h5ad on their 2000 HVGs, replicated (real sparsity and spectrum);
 *     sklearn gets the same matrix densified (its PCA needs dense input), arpack and randomized.
 *  2. the reference's pretrained 10k→50 projection of 100k cells (StandardScaler + PCA.transform
 *     on the dense 10k-gene matrix, as the reference does) vs scembed's folded sparse projection.
 * Wall time and peak RSS of each whole process. Not a test: prints a table.
 *
 *   npm run bench:pca [-- 100000]
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { packagePath } from "../src/package-root.ts";
import { geneIds, writeSyntheticZarr } from "../test/helpers/synthetic.ts";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { columnsByName } from "../src/methods/hvg.ts";
import { datasetHvg } from "../src/methods/hvg-selection.ts";
import { logNormalize } from "../src/numerics/lognorm.ts";
import { createDatasetContext } from "../src/pipeline/dataset-context.ts";
import { createLogger } from "../src/logger.ts";
import { readPretrainedPca } from "../src/models/sklearn-pca.ts";
import { writeNpy } from "./npy-writer.ts";
import { measure, type Measured } from "./peak-rss.ts";

const cells = Number(process.argv[2] ?? 100000);
const work = join(tmpdir(), "scembed-bench-pca");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
// sklearn with the machine's OpenBLAS settings removed (they slow current numpy), as the env notes advise
const pyEnv = { OPENBLAS_CORETYPE: "", OPENBLAS_L2_SIZE: "" };
const clean = (env: NodeJS.ProcessEnv) => {
  const e = { ...process.env, ...env };
  delete e["OPENBLAS_CORETYPE"];
  delete e["OPENBLAS_L2_SIZE"];
  return e;
};

const SKLEARN_FIT = `
import sys, time, json, numpy as np, anndata as ad
from sklearn.decomposition import PCA
from threadpoolctl import threadpool_info
solver = sys.argv[2]
t0 = time.time()
X = ad.read_zarr(sys.argv[1]).X.toarray()   # sklearn 1.2 PCA needs dense input
t1 = time.time()
p = PCA(n_components=50, svd_solver=solver, random_state=0).fit(X)
t2 = time.time()
print(json.dumps({"read": t1 - t0, "fit": t2 - t1, "ratio": p.explained_variance_ratio_[:3].tolist(), "blas": [(i.get("internal_api"), i.get("architecture"), i.get("num_threads")) for i in threadpool_info()]}))
`;

const SKLEARN_PROJECT = `
import sys, time, json, numpy as np, anndata as ad
from sklearn.preprocessing import StandardScaler
from sklearn.decomposition import PCA
d = sys.argv[2]
genes = open(d + "/gene_order.txt").read().split()
scaler = StandardScaler(); scaler.mean_ = np.load(d + "/scaler_mean.npy").astype(np.float32); scaler.scale_ = np.load(d + "/scaler_scale.npy").astype(np.float32); scaler.var_ = np.load(d + "/scaler_var.npy").astype(np.float32); scaler.n_features_in_ = len(genes)  # float32: sklearn 1.2 cannot mix a float64 scaler with float32 data
pca = PCA(n_components=50); pca.components_ = np.load(d + "/pca_components.npy"); pca.mean_ = np.load(d + "/pca_mean.npy"); pca.n_features_in_ = len(genes); pca.whiten = False
t0 = time.time()
a = ad.read_zarr(sys.argv[1])
pos = {g: i for i, g in enumerate(a.var["ensembl_id"])}
cols = [pos.get(g, -1) for g in genes]
X = np.zeros((a.n_obs, len(genes)), dtype=np.float32)   # the reference's dense 10k matrix, missing genes 0
present = [j for j, c in enumerate(cols) if c >= 0]
X[:, present] = a.X[:, [cols[j] for j in present]].toarray()
t1 = time.time()
Y = pca.transform(scaler.transform(X))
t2 = time.time()
print(json.dumps({"read": t1 - t0, "transform": t2 - t1, "first": Y[0, :3].tolist()}))
`;

async function replicatedPbmc(
  n: number,
): Promise<{ hvgGenes: string[]; rows: Iterable<{ indices: Int32Array; data: Float32Array }> }> {
  const input = packagePath("data", "pbmc_10x_3chem.h5ad");
  const cache = join(work, "cache");
  const log = createLogger({ quiet: true });
  const dataset = createDatasetContext({ files: [input], cacheDir: cache, xIs: "auto", chunkRows: 4096, log });
  const hvg = await datasetHvg(dataset, 2000, null, log, "n_top_genes");
  const reader = await AnnDataReader.open(input);
  const names = await reader.varNames();
  const posOf = columnsByName(names, hvg.genes);
  const block = logNormalize(await (await reader.matrix("X")).readRows(0, reader.nObs));
  reader.close();
  const cellRows = Array.from({ length: block.rows }, (_, r) => {
    const idx: number[] = [],
      val: number[] = [];
    for (let k = block.indptr[r]!; k < block.indptr[r + 1]!; k++) {
      const p = posOf[block.indices[k]!]!;
      if (p >= 0) {
        idx.push(p);
        val.push(block.data[k]!);
      }
    }
    return { indices: Int32Array.from(idx), data: Float32Array.from(val) };
  });
  const density = cellRows.reduce((s, r) => s + r.data.length, 0) / (cellRows.length * 2000);
  process.stderr.write(
    `fit data: ${block.rows} real cells × their 2000 HVGs (${(100 * density).toFixed(1)}% non-zero), replicated to ${n}\n`,
  );
  return {
    hvgGenes: hvg.genes.map((g, i) => `ENSG9${String(i).padStart(10, "0")}_${g}`),
    rows: (function* () {
      for (let i = 0; i < n; i++) yield cellRows[i % cellRows.length]!;
    })(),
  };
}

function row(label: string, m: Measured, extra = ""): string[] {
  if (m.code !== 0) return [label, "failed", "", m.stderr.trim().split("\n").pop() ?? ""];
  return [label, m.seconds.toFixed(1), m.peakMiB.toFixed(0), extra];
}

function print(title: string, rows: string[][]) {
  const header = ["tool", "wall s", "peak RSS MiB", "notes"];
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  console.log(`\n${title}`);
  console.log("| " + header.map((h, i) => h.padEnd(w[i]!)).join(" | ") + " |");
  console.log("|" + w.map((x) => "-".repeat(x + 2)).join("|") + "|");
  for (const r of rows) console.log("| " + r.map((c, i) => (c ?? "").padEnd(w[i]!)).join(" | ") + " |");
}

// 1. fit, on real cells: pbmc_10x_3chem (shipped in data/) log-normalized, its 2000 HVGs, replicated to `cells`
const fitInput = join(work, "fit.zarr");
const { hvgGenes, rows } = await replicatedPbmc(cells);
await writeSyntheticZarr(fitInput, { nObs: cells, genes: hvgGenes, rows, withCounts: false });
const ours = await measure(process.execPath, [packagePath("dist/bench/pca-fit-driver.js"), fitInput], {}, true);
const fitRows = [
  row(
    "scembed (streamed Gram + Lanczos, exact)",
    ours,
    ours.stdout ? `fit incl. read ${JSON.parse(ours.stdout).seconds.toFixed(1)} s` : "",
  ),
];
for (const solver of ["arpack", "randomized"]) {
  const m = await measure("/usr/bin/python3", ["-c", SKLEARN_FIT, fitInput, solver], {}, true, clean(pyEnv));
  const out = m.code === 0 ? JSON.parse(m.stdout) : undefined;
  fitRows.push(
    row(
      `scikit-learn PCA ${solver} (dense)`,
      m,
      out ? `read+densify ${out.read.toFixed(1)} s, fit ${out.fit.toFixed(1)} s; BLAS ${JSON.stringify(out.blas)}` : "",
    ),
  );
}
print(`PCA fit: ${cells} cells (real PBMCs, replicated) × 2000 HVGs, log-normalized, 50 components`, fitRows);
rmSync(fitInput, { recursive: true, force: true });

// 2. pretrained projection
const projInput = join(work, "project.zarr");
const list = readGeneList(shippedGeneList("gs10k"));
await writeSyntheticZarr(projInput, {
  nObs: cells,
  genes: geneIds(list, 6000, 2000),
  density: 0.05,
  seed: 4,
  x: "lognorm",
  withCounts: false,
});
const out = join(work, "out.zarr");
const oursProj = await measure(process.execPath, [
  packagePath("bin/scembed.js"),
  "embed",
  "--input",
  projInput,
  "--output",
  out,
  "--methods",
  "pca",
  "--x-is",
  "lognorm",
  "--quiet",
]);
// the shipped pickle's arrays as .npy for scikit-learn (read by our pickle reader, which the tests check)
const exported = join(work, "pca-export");
mkdirSync(exported, { recursive: true });
const model = readPretrainedPca(packagePath("resources/pca/cellxgene_geo_pca_10000_to_50.pkl"));
writeFileSync(join(exported, "gene_order.txt"), model.genes.join("\n") + "\n");
writeNpy(join(exported, "scaler_mean.npy"), model.scalerMean);
writeNpy(join(exported, "scaler_scale.npy"), model.scalerScale);
writeNpy(
  join(exported, "scaler_var.npy"),
  model.scalerScale.map((s) => s * s),
);
writeNpy(join(exported, "pca_mean.npy"), model.pcaMean);
writeNpy(join(exported, "pca_components.npy"), model.components, [model.K, model.G]);
const skProj = await measure("/usr/bin/python3", ["-c", SKLEARN_PROJECT, projInput, exported], {}, true, clean(pyEnv));
const sk = skProj.code === 0 ? JSON.parse(skProj.stdout) : undefined;
print(`pretrained PCA projection (10,000 → 50): ${cells} cells, 8,000 genes (6,000 in the model), 5% non-zero`, [
  row("scembed embed --methods pca (streamed, sparse, incl. output copy + write)", oursProj),
  row(
    "scikit-learn scaler.transform + pca.transform (dense, as the reference)",
    skProj,
    sk ? `read+densify ${sk.read.toFixed(1)} s, transform ${sk.transform.toFixed(1)} s` : "",
  ),
]);
rmSync(work, { recursive: true, force: true });
