/**
 * `scembed report` on ~50,000 real-derived cells × the CPU methods' outputs, beside the same batch
 * metrics computed by scikit-learn on the same cells (Debian's python3-sklearn via /usr/bin/python3).
 * Inputs: 17 binomially thinned copies of the shipped demo PBMCs (48,620 cells, three 10x
 * chemistries as the batch), embedded by `scembed run` with gs, gs10k, hvg, pca and scvi_fm (a
 * census-like random scVI model on 8,000 of the data's genes). Geneformer is left out: ~50,000 cells take hours on two cores even on the fast CPU device.
 * usage: npm run bench:report [-- copies]
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../src/package-root.ts";
import { measure } from "./peak-rss.ts";

const copies = Number(process.argv[2] ?? 17);
const work = join(tmpdir(), `scembed-bench-report-${copies}`);
const base = join(work, "data");
const inputs = join(base, "processed/test/pbmc/all");
const outputs = join(base, "processed_with_emb/test/pbmc/all");
const modelDir = join(work, "census_like");
const CLI = packagePath("bin/scembed.js");

if (!existsSync(join(inputs, `chunk_${copies - 1}.zarr`))) {
  console.log(`making ${copies} thinned copies of the demo data in ${inputs} …`);
  execFileSync(
    "/usr/bin/python3",
    [packagePath("bench/report_inputs.py"), packagePath("data/pbmc_10x_3chem.h5ad"), inputs, String(copies)],
    { stdio: "inherit" },
  );
}
if (!existsSync(join(modelDir, "model.pt")))
  execFileSync(
    "/usr/bin/python3",
    [packagePath("bench/scvi_census_like.py"), modelDir, "8000", join(inputs, "../genes.txt")],
    {
      stdio: "inherit",
    },
  );
const config = join(work, "pbmc.yaml");
writeFileSync(
  config,
  `dataset: {name: pbmc}\nsplit_dataset: false\nbatch_key: batch\nembedding_cpu:\n  methods: [gs, gs10k, hvg, pca, scvi_fm]\n  init_kwargs_scvi_fm: {model_dir: ${modelDir}}\n`,
);
const run = await measure(process.execPath, [
  CLI,
  "run",
  "-c",
  config,
  "--workers",
  "2",
  "--quiet",
  `++base_file_path=${base}`,
]);
if (run.code !== 0) throw new Error(`scembed run failed:\n${run.stderr}`);
const files = readdirSync(outputs)
  .filter((f) => f.endsWith(".zarr"))
  .sort()
  .map((f) => join(outputs, f));

const html = join(work, "report.html");
const ours = await measure(process.execPath, [CLI, "report", "-c", config, `++base_file_path=${base}`, "--out", html]);
if (ours.code !== 0) throw new Error(`scembed report failed:\n${ours.stderr}`);
const report = JSON.parse(readFileSync(html.replace(/\.html$/, ".json"), "utf8"));
const peer = await measure("/usr/bin/python3", [packagePath("bench/report_sklearn.py"), "batch", ...files], {}, true);
if (peer.code !== 0) throw new Error(`scikit-learn side failed:\n${peer.stderr}`);
const ref = JSON.parse(peer.stdout.trim().split("\n").pop()!);

const cells = report.sample.cells;
console.log(
  `\nreport on ${cells} cells (${files.length} chunk files), ${report.methods.length} embeddings, batch = 10x chemistry, no labels`,
);
console.log("| tool | wall s | peak RSS MiB | computes |");
console.log("|---|---|---|---|");
console.log(
  `| scembed report | ${ours.seconds.toFixed(1)} | ${ours.peakMiB.toFixed(0)} | sanity over all rows, PCA→50, exact 90-NN, batch ASW, iLISI, UMAP, page |`,
);
console.log(
  `| scikit-learn (+ numpy LISI) | ${peer.seconds.toFixed(1)} | ${peer.peakMiB.toFixed(0)} | PCA→50, exact 90-NN, batch ASW, iLISI |`,
);
console.log("\n| method | dim | scembed s | batch ASW | sklearn | iLISI | numpy | sklearn s |");
console.log("|---|---|---|---|---|---|---|---|");
for (const m of report.methods) {
  const r = ref[m.key] ?? {};
  const f = (v: number | undefined) => (v === undefined ? "–" : v.toFixed(4));
  console.log(
    `| ${m.key} | ${m.dim} | ${m.seconds.toFixed(1)} | ${f(m.metrics.batchAsw)} | ${f(r.batchAsw)} | ${f(m.metrics.ilisi)} | ${f(r.ilisi)} | ${r.seconds?.toFixed(1) ?? "–"} |`,
  );
}
console.log(`\nthe page: ${html}`);
