/**
 * Peak memory of embedding gs10k, against the number of cells in the file: scembed (streamed)
 * side by side with the reference pipeline's approach (anndata read_zarr of the whole file,
 * dense column subset), run with Debian's Python anndata. Not a test: prints a table.
 *
 *   npm run bench:memory [-- 50000,200000]
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readGeneList, shippedGeneList } from "../src/methods/gene-panel.ts";
import { packagePath } from "../src/package-root.ts";
import { geneIds, writeSyntheticZarr } from "../test/helpers/synthetic.ts";
import { measure } from "./peak-rss.ts";

const sizes = (process.argv[2] ?? "50000,200000").split(",").map(Number);
const PEER_MAX_CELLS = Number(process.env["PEER_MAX_CELLS"] ?? 100000);
const work = join(tmpdir(), "scembed-bench-memory");
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

const genes = geneIds(readGeneList(shippedGeneList("gs10k")), 4000, 4000);

// The reference's GeneSelectEmbedder: whole AnnData in memory, lognorm, dense subset in list order.
const PEER = `
import sys, numpy as np, anndata as ad, scipy.sparse as sp
path, listfile = sys.argv[1], sys.argv[2]
genes = [l.strip() for l in open(listfile) if l.strip()]
a = ad.read_zarr(path)
X = a.X.tocsr().astype(np.float32)
tot = np.asarray(X.sum(axis=1)).ravel().astype(np.float32)
X = sp.diags(1e4 / tot) @ X
X.data = np.log1p(X.data).astype(np.float32)
pos = {g: i for i, g in enumerate(a.var['ensembl_id'])}
cols = [pos.get(g, -1) for g in genes]
present = [j for j, c in enumerate(cols) if c >= 0]
emb = np.zeros((a.n_obs, len(genes)), dtype=np.float32)
emb[:, present] = X[:, [cols[j] for j in present]].toarray()
print(emb.shape, file=sys.stderr)
`;

const rows: string[][] = [];
for (const n of sizes) {
  const input = join(work, `chunk_${n}.zarr`);
  const t0 = Date.now();
  await writeSyntheticZarr(input, { nObs: n, genes, density: 0.05, seed: 11, withCounts: false });
  process.stderr.write(`made ${n} cells × ${genes.length} genes in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  const output = join(work, `out_${n}.zarr`);
  const ours = await measure(process.execPath, [
    packagePath("bin/scembed.js"),
    "embed",
    "--input",
    input,
    "--output",
    output,
    "--methods",
    "gs10k",
    "--quiet",
  ]);
  if (ours.code !== 0) throw new Error(`scembed failed: ${ours.stderr}`);
  rmSync(output, { recursive: true, force: true });
  let peer = "skipped";
  let peerTime = "";
  if (n <= PEER_MAX_CELLS && existsSync("/usr/bin/python3")) {
    const p = await measure("/usr/bin/python3", ["-c", PEER, input, shippedGeneList("gs10k")]);
    peer = p.code === 0 ? p.peakMiB.toFixed(0) : `failed (${p.stderr.trim().split("\n").pop()})`;
    peerTime = p.code === 0 ? p.seconds.toFixed(1) : "";
  }
  const outputMiB = (n * 10000 * 4) / 2 ** 20;
  rows.push([
    String(n),
    ours.peakMiB.toFixed(0),
    ours.seconds.toFixed(1),
    (n / ours.seconds).toFixed(0),
    peer,
    peerTime,
    outputMiB.toFixed(0),
  ]);
  rmSync(input, { recursive: true, force: true });
}

const header = [
  "cells",
  "scembed peak RSS MiB",
  "scembed s",
  "cells/s",
  "reference-style peak RSS MiB",
  "reference s",
  "dense output MiB",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (r: string[]) => "| " + r.map((c, i) => c.padStart(widths[i]!)).join(" | ") + " |";
console.log(`gs10k, synthetic CSR counts, ${genes.length} genes (4000 of them in the list), 5% non-zero`);
console.log(line(header));
console.log("|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|");
for (const r of rows) console.log(line(r));
console.log(
  `reference-style = whole-file ad.read_zarr + dense subset (Debian anndata 0.8); skipped above ${PEER_MAX_CELLS} cells (PEER_MAX_CELLS) to stay within this machine's memory`,
);
