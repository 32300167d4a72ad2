/**
 * scvi_fm side by side with PyTorch on the CPU (Debian's python3-torch, 2 threads): the same
 * census-like scVI weights (written by bench/scvi_census_like.py with Debian's torch: 8000 genes,
 * 128 hidden, 50 latent), the same synthetic raw counts (`cells` × the model's 8000 genes, 7% non-zero),
 * whole processes timed (read + align + encode; scembed also copies the file and writes obsm).
 * Not a test: prints a table.   npm run bench:scvi [-- 100000]
 */
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readScviModel } from "../src/models/scvi.ts";
import { packagePath } from "../src/package-root.ts";
import { writeSyntheticZarr } from "../test/helpers/synthetic.ts";
import { measure } from "./peak-rss.ts";

const cells = Number(process.argv[2] ?? 100000);
const work = join(tmpdir(), "scembed-bench-scvi");
rmSync(work, { recursive: true, force: true });
const modelDir = join(work, "census_like");
execFileSync("/usr/bin/python3", [packagePath("bench/scvi_census_like.py"), modelDir, "8000"], { stdio: "inherit" });
const input = join(work, "counts.zarr"),
  output = join(work, "out.zarr");
await writeSyntheticZarr(input, {
  nObs: cells,
  genes: readScviModel(modelDir).varNames,
  density: 0.07,
  seed: 9,
  withCounts: false,
});

const TORCH = `
import sys, time, json, numpy as np, torch, anndata as ad
torch.set_num_threads(2)
t0 = time.time()
ck = torch.load(sys.argv[2] + "/model.pt", map_location="cpu", weights_only=False) if "weights_only" in torch.load.__code__.co_varnames else torch.load(sys.argv[2] + "/model.pt", map_location="cpu")
sd = ck["model_state_dict"]; genes = list(ck["var_names"])
a = ad.read_zarr(sys.argv[1])
pos = {g: i for i, g in enumerate(a.var["ensembl_id"])}
cols = [pos.get(g, -1) for g in genes]
X = a.X.tocsr()
enc = torch.nn.Sequential(torch.nn.Linear(len(genes), 128), torch.nn.BatchNorm1d(128, eps=1e-3), torch.nn.ReLU())
enc[0].weight.data = sd["z_encoder.encoder.fc_layers.Layer 0.0.weight"]; enc[0].bias.data = sd["z_encoder.encoder.fc_layers.Layer 0.0.bias"]
for k in ["weight", "bias", "running_mean", "running_var"]: getattr(enc[1], k).data = sd["z_encoder.encoder.fc_layers.Layer 0.1." + k]
mean = torch.nn.Linear(128, 50); mean.weight.data = sd["z_encoder.mean_encoder.weight"]; mean.bias.data = sd["z_encoder.mean_encoder.bias"]
enc.eval(); mean.eval()
present = [j for j, c in enumerate(cols) if c >= 0]; src = [cols[j] for j in present]
t1 = time.time()
out = np.zeros((X.shape[0], 50), dtype=np.float32)
with torch.no_grad():
    for s in range(0, X.shape[0], 1024):
        dense = np.zeros((min(1024, X.shape[0] - s), len(genes)), dtype=np.float32)
        dense[:, present] = X[s:s + 1024][:, src].toarray()
        out[s:s + 1024] = mean(enc(torch.log1p(torch.from_numpy(dense)))).numpy()
t2 = time.time()
print(json.dumps({"setup": t1 - t0, "encode": t2 - t1, "torch": torch.__version__}))
`;

const ours = await measure(process.execPath, [
  packagePath("bin/scembed.js"),
  "embed",
  "--input",
  input,
  "--output",
  output,
  "--methods",
  "scvi_fm",
  `++init_kwargs_scvi_fm.model_dir=${modelDir}`,
  "--quiet",
]);
const peer = await measure("/usr/bin/python3", ["-c", TORCH, input, modelDir], {}, true);
const p = peer.code === 0 ? JSON.parse(peer.stdout) : undefined;
console.log(`scVI encoder (8000 genes → 128 → 50), ${cells} cells, 7% non-zero raw counts`);
console.log("| tool | wall s | cells/s | peak RSS MiB | notes |");
console.log("|---|---|---|---|---|");
console.log(
  `| scembed embed --methods scvi_fm (streamed; incl. output copy + write) | ${ours.seconds.toFixed(1)} | ${(cells / ours.seconds).toFixed(0)} | ${ours.peakMiB.toFixed(0)} | ${ours.code === 0 ? "" : ours.stderr.split("\n").pop()} |`,
);
console.log(
  `| PyTorch ${p?.torch ?? ""} CPU, 2 threads, batches of 1024 | ${peer.seconds.toFixed(1)} | ${(cells / peer.seconds).toFixed(0)} | ${peer.peakMiB.toFixed(0)} | ${p ? `read+setup ${p.setup.toFixed(1)} s, encode ${p.encode.toFixed(1)} s` : peer.stderr.trim().split("\n").pop()} |`,
);
rmSync(work, { recursive: true, force: true });
