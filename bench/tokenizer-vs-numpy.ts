/**
 * Geneformer tokenization (the preparation step), side by side with a vectorized numpy version
 * of the reference tokenizer's core loop (Debian's python3-numpy via /usr/bin/python3): synthetic
 * raw counts, `cells` × `genes` (V1 vocabulary genes), 7% non-zero, I/O included for both.
 * Not a test: prints a table.   npm run bench:tokenizer [-- 100000 20000]
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../src/package-root.ts";
import { measure } from "./peak-rss.ts";

const cells = Number(process.argv[2] ?? 100000),
  genes = Number(process.argv[3] ?? 20000);
const input = join(tmpdir(), `scembed-bench-tok-${cells}.zarr`);
rmSync(input, { recursive: true, force: true });
const made = await measure(process.execPath, [
  packagePath("dist/bench/make-counts.js"),
  input,
  String(cells),
  String(genes),
  "0.07",
]);
if (made.code !== 0) throw new Error(made.stderr);

// The reference's TranscriptomeTokenizer core, vectorized per cell with numpy (as fast as that loop gets)
const NUMPY = `
import sys, time, json, pickle, numpy as np, anndata as ad
t0 = time.time()
a = ad.read_zarr(sys.argv[1])
tok = pickle.load(open(sys.argv[2], "rb")); med = pickle.load(open(sys.argv[3], "rb"))
ids = a.var["ensembl_id"].str.upper().values
keep = np.array([i in tok and i in med for i in ids])
X = a.X.tocsr()[:, keep]
tokens = np.array([tok[i] for i in ids[keep]], dtype=np.int32)
norm = np.array([med[i] for i in ids[keep]], dtype=np.float64)
n_counts = np.asarray(X.sum(axis=1)).ravel()
t1 = time.time()
out = []
for r in range(X.shape[0]):
    s, e = X.indptr[r], X.indptr[r + 1]
    idx = X.indices[s:e]; val = X.data[s:e]
    score = (val / n_counts[r]).astype(np.float32).astype(np.float64) * 10000 / norm[idx]
    out.append(tokens[idx[np.argsort(-score, kind="stable")][:2048]])
t2 = time.time()
print(json.dumps({"read": t1 - t0, "rank": t2 - t1, "tokens": int(sum(len(o) for o in out))}))
`;

const ours = await measure(
  process.execPath,
  [packagePath("dist/bench/tokenize-driver.js"), input, "geneformer-v1"],
  {},
  true,
);
const peer = await measure(
  "/usr/bin/python3",
  [
    "-c",
    NUMPY,
    input,
    packagePath("resources/geneformer/token_dictionary_gc30M.pkl"),
    packagePath("resources/geneformer/gene_median_dictionary_gc30M.pkl"),
  ],
  {},
  true,
);
const p = peer.code === 0 ? JSON.parse(peer.stdout) : undefined;
console.log(
  `Geneformer V1 tokenization: ${cells} cells × ${genes} genes, 7% non-zero raw counts (zarr, gzip), I/O included`,
);
console.log("| tool | wall s | peak RSS MiB | notes |");
console.log("|---|---|---|---|");
console.log(
  `| scembed (streamed, cached token file) | ${ours.seconds.toFixed(1)} | ${ours.peakMiB.toFixed(0)} | ${ours.code === 0 ? "" : ours.stderr.split("\n").pop()} |`,
);
console.log(
  `| numpy, vectorized per cell (reference core loop) | ${peer.seconds.toFixed(1)} | ${peer.peakMiB.toFixed(0)} | ${p ? `read ${p.read.toFixed(1)} s, rank ${p.rank.toFixed(1)} s` : peer.stderr.split("\n").pop()} |`,
);
console.log("the reference pipeline's documentation: 'Tokenization for 100K cells can take 1-2 hours on CPU'");
rmSync(input, { recursive: true, force: true });
