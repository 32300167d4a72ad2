/**
 * Small broken inputs for the fault matrix (test/faults.test.ts): synthetic zarr files, values and
 * chunks edited in place, a dataset folder, and the CLI run with signals sent to it.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnDataReader } from "../../src/anndata/anndata-reader.ts";
import { embeddingStatus } from "../../src/anndata/completeness.ts";
import { readGeneList, shippedGeneList } from "../../src/methods/gene-panel.ts";
import { compressorFor } from "../../src/store/codecs/chain.ts";
import type { CodecConfig } from "../../src/store/codecs/registry.ts";
import { DEFAULT_COMPRESSOR } from "../../src/store/zarr-writer.ts";
import type { CliResult } from "./cli.ts";
import { CLI, REPO } from "./paths.ts";
import { geneIds, writeSyntheticZarr, type SyntheticOptions } from "./synthetic.ts";

export const GENES = geneIds(readGeneList(shippedGeneList("gs")), 300, 100);

/** `<dir>/<name>`: a small AnnData zarr, counts in X and layers['counts'] unless told otherwise. */
export async function makeInput(
  dir: string,
  opts: Partial<SyntheticOptions> = {},
  name = "chunk_0.zarr",
): Promise<string> {
  const path = join(dir, name);
  await writeSyntheticZarr(path, { nObs: 400, genes: GENES, density: 0.1, seed: 5, chunkElements: 4000, ...opts });
  return path;
}

const decodeF32 = async (file: string, codec: CodecConfig) => {
  const bytes = await compressorFor(codec).decode(readFileSync(file));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/** Sets the first stored value of `row` of a CSR matrix (`key` = X or layers/counts) to `value`. */
export async function setStored(input: string, key: string, row: number, value: number): Promise<void> {
  const reader = await AnnDataReader.open(input);
  const indptr = (await reader.tree.get(`${key}/indptr`)) as {
    read(a: number, b: number): Promise<ArrayLike<number | bigint>>;
  };
  const at = Number((await indptr.read(row, row + 1))[0]);
  reader.close();
  const meta = JSON.parse(readFileSync(join(input, key, "data/.zarray"), "utf8")) as { chunks: [number] };
  const file = join(input, key, "data", String(Math.floor(at / meta.chunks[0])));
  const values = await decodeF32(file, DEFAULT_COMPRESSOR);
  values[at % meta.chunks[0]] = value;
  writeFileSync(file, await compressorFor(DEFAULT_COMPRESSOR).encode(new Uint8Array(values.buffer)));
}

/** Re-encodes every chunk of a 1-d float32 array with blosc, as if it had been written so. */
export async function toBlosc(arrayDir: string): Promise<void> {
  const blosc: CodecConfig = { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 };
  const meta = JSON.parse(readFileSync(join(arrayDir, ".zarray"), "utf8"));
  for (const name of readdirSync(arrayDir).filter((n) => /^\d+$/.test(n))) {
    const values = await decodeF32(join(arrayDir, name), DEFAULT_COMPRESSOR);
    writeFileSync(join(arrayDir, name), await compressorFor(blosc).encode(new Uint8Array(values.buffer)));
  }
  writeFileSync(join(arrayDir, ".zarray"), JSON.stringify({ ...meta, compressor: blosc }));
}

/** A dataset folder `<base>/processed/test/ds/all/` (split_dataset: false) and its config. */
export function datasetConfig(dir: string, section: string): { base: string; folder: string; config: string } {
  const base = join(dir, "base");
  const folder = join(base, "processed", "test", "ds", "all");
  mkdirSync(folder, { recursive: true });
  const config = join(dir, "dataset.yaml");
  writeFileSync(config, `dataset: {name: ds}\nsplit_dataset: false\nembedding_cpu: {${section}}\n`);
  return { base, folder, config };
}

/** The obsm keys of an output that are complete, and the temp arrays left in it. */
export async function outputState(output: string): Promise<{ complete: string[]; temps: string[] }> {
  if (!existsSync(join(output, "obsm"))) return { complete: [], temps: [] };
  const temps = readdirSync(join(output, "obsm")).filter((n) => /\.(writing|trash)-/.test(n));
  const reader = await AnnDataReader.open(output);
  const complete: string[] = [];
  for (const e of await reader.obsm()) {
    if ((await embeddingStatus(output, e.key, reader.nObs)).state === "complete") complete.push(e.key);
  }
  reader.close();
  return { complete: complete.sort(), temps };
}

/**
 * Runs the CLI, sends `signal` once `ready()` holds (polled), and resolves with its result and,
 * when asked, the pids of its child processes just before the signal.
 */
export function cliWithSignal(
  args: string[],
  signal: NodeJS.Signals,
  ready: () => boolean,
  listChildren = false,
): Promise<CliResult & { children: number[] }> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO });
  let stdout = "",
    stderr = "",
    children: number[] = [];
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const poll = setInterval(() => {
    let now = false;
    try {
      now = child.exitCode === null && ready();
    } catch {
      // a directory vanished while polling: not ready yet
    }
    if (!now) return;
    clearInterval(poll);
    if (listChildren) children = childPids(child.pid!);
    child.kill(signal);
  }, 20);
  return new Promise((resolve) =>
    child.on("close", (code, sig) => {
      clearInterval(poll);
      resolve({ code: code ?? (sig === "SIGKILL" ? 137 : null), stdout, stderr, children });
    }),
  );
}

/** Whether an obsm temp array under `output` has at least `chunks` chunk files. */
export function writing(output: string, chunks = 1): boolean {
  const obsm = join(output, "obsm");
  if (!existsSync(obsm)) return false;
  return readdirSync(obsm).some(
    (n) => n.includes(".writing-") && readdirSync(join(obsm, n)).filter((f) => /^\d+\.0$/.test(f)).length >= chunks,
  );
}

function childPids(pid: number): number[] {
  try {
    return execFileSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" })
      .split("\n")
      .map(Number)
      .filter((p) => p > 0);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
