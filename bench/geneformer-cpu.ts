/**
 * Geneformer on the CPU, scembed's fast CPU device side by side with PyTorch (Debian's
 * python3-torch via /usr/bin/python3, 2 threads, a plain-torch BERT: bench/geneformer_cpu.py):
 * V1-10M and V2-104M with the shipped configs (resources/geneformer), random seeded weights
 * written as model.safetensors, the first `cells` cells of data/pbmc_10x_3chem.h5ad tokenized by
 * scembed (V1: shipped gc30M dictionaries, 2048 tokens; V2: the fixtures' stand-in gc104M
 * dictionaries, 4096 tokens, as bench/geneformer-gpu.sh), emb_layer -1, each tool in its own
 * process with the same batching (longest first, 8192-token batches). The peer is first checked
 * against HF's fixture embeddings (≤ 1e-4). Not a test: prints a table.
 *   npm run bench:geneformer-cpu [-- CELLS [V1-10M,V2-104M]]   (a model may name its own count: V2-104M=20)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagePath } from "../src/package-root.ts";
import { readNpy } from "../test/helpers/npy.ts";
import { writeRandomBert } from "../test/helpers/random-bert.ts";
import { measure } from "./peak-rss.ts";

const defaultCells = Number(process.argv[2] ?? 300);
const which = (process.argv[3] ?? "V1-10M,V2-104M").split(",").map((w) => {
  const [name, n] = w.split("=");
  return { name: name!, cells: Number(n ?? defaultCells) };
});
const work = join(tmpdir(), "scembed-bench-geneformer-cpu");
mkdirSync(work, { recursive: true });
const GF = packagePath("test/fixtures/geneformer");

const peerCheck = JSON.parse(
  execFileSync("/usr/bin/python3", [packagePath("bench/geneformer_cpu.py"), "check", GF], { encoding: "utf8" }),
) as Record<string, number>;
const worst = Math.max(...Object.values(peerCheck));
console.log(`PyTorch peer vs HF fixture embeddings (96 cells): max |Δ| ${worst.toExponential(2)}`);
if (!(worst <= 1e-4)) throw new Error(`the PyTorch peer is off: ${JSON.stringify(peerCheck)}`);

function tokensFor(cells: number): string {
  const tokens = join(work, `tokens-${cells}`);
  if (existsSync(join(tokens, "v2.offsets.npy"))) return tokens;
  execFileSync(
    process.execPath,
    [
      packagePath("dist/bench/geneformer-tokens.js"),
      tokens,
      String(cells),
      join(GF, "token_dictionary_gc104M_v2standin.pkl"),
      join(GF, "gene_median_dictionary_v2standin.pkl"),
    ],
    { stdio: "inherit" },
  );
  return tokens;
}

function maxAbs(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const rowsOut: string[] = [];
for (const [seed, { name, cells }] of which.entries()) {
  const tokens = tokensFor(cells);
  const config = JSON.parse(readFileSync(packagePath(`resources/geneformer/config_${name}.json`), "utf8"));
  const dir = join(work, name);
  if (!existsSync(join(dir, "model.safetensors"))) writeRandomBert(dir, config, seed + 1);
  const v2 = name.startsWith("V2");
  const mode = v2 ? "v2" : "v1",
    kind = v2 ? "cls" : "mean",
    special = v2 ? "1" : "0";
  const args = [dir, join(tokens, mode), kind, special];
  const ours = await measure(
    process.execPath,
    [packagePath("dist/bench/geneformer-cpu-driver.js"), ...args, join(work, `${name}.scembed.npy`)],
    {},
    true,
  );
  const peer = await measure(
    "/usr/bin/python3",
    [packagePath("bench/geneformer_cpu.py"), "run", ...args, join(work, `${name}.torch.npy`)],
    {},
    true,
  );
  if (ours.code !== 0 || peer.code !== 0) throw new Error(`${name}: ${ours.stderr}\n${peer.stderr}`);
  const o = JSON.parse(ours.stdout),
    p = JSON.parse(peer.stdout);
  const delta = maxAbs(
    readNpy(join(work, `${name}.scembed.npy`)).data as Float32Array,
    readNpy(join(work, `${name}.torch.npy`)).data as Float32Array,
  ).toExponential(2);
  const L = config.num_hidden_layers;
  rowsOut.push(
    `| ${name} (${cells} cells) | scembed fast CPU (${o.gemm}; ${kind === "cls" ? `${L - 2} layers + the last for <cls> only` : `${L - 1} layers`}) | ${(cells / o.seconds).toFixed(2)} | ${o.seconds.toFixed(1)} | ${ours.seconds.toFixed(1)} | ${ours.peakMiB.toFixed(0)} | ${delta} |`,
    `| ${name} (${cells} cells) | PyTorch ${p.torch} (2 threads, eager attention, ${L - 1} layers) | ${(cells / p.seconds).toFixed(2)} | ${p.seconds.toFixed(1)} | ${peer.seconds.toFixed(1)} | ${peer.peakMiB.toFixed(0)} | ${delta} |`,
  );
}
console.log(
  `\nthe first cells of data/pbmc_10x_3chem.h5ad, emb_layer -1 (V1: mean pooling, V2: <cls>), 8192-token batches`,
);
console.log("| model | tool | cells/s | forward s | process wall s | peak RSS MiB | max \\|Δ\\| scembed vs PyTorch |");
console.log("|---|---|---|---|---|---|---|");
for (const r of rowsOut) console.log(r);
