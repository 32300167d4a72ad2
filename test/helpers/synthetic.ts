/**
 * Writes small AnnData zarr stores with our own zarr writer: CSR counts in X and layers/counts,
 * obs/var dataframes with string indexes and an ensembl_id column. Deterministic for a seed.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeGroup, ZarrArrayWriter } from "../../src/store/zarr-writer.ts";

export interface SyntheticOptions {
  nObs: number;
  /** Ensembl ids of the var axis, in order */
  genes: string[];
  density?: number;
  seed?: number;
  /** rows per CSR chunk (data/indices chunk = rows × nnz per row) */
  chunkElements?: number;
  /** values of X; counts by default */
  x?: "counts" | "lognorm";
  withCounts?: boolean;
  withEnsembl?: boolean;
  /** cell types: cell r has type r mod programs, whose own 10% of genes are 4× as likely and 3× as high */
  programs?: number;
  /** rows to write instead of generated counts (values written as given) */
  rows?: Iterable<{ indices: Int32Array; data: Float32Array }>;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** Generates the CSR counts row by row, O(nnz) (so 200k-cell files need no 200k-cell buffers). */
export function* countRows(opts: SyntheticOptions): Generator<{ indices: Int32Array; data: Float32Array }> {
  const rand = rng(opts.seed ?? 1);
  const nVars = opts.genes.length;
  const density = opts.density ?? 0.07;
  const logq = Math.log(1 - density);
  const programs = opts.programs ?? 0;
  const member =
    programs > 0
      ? Array.from({ length: programs }, () => Uint8Array.from({ length: nVars }, () => (rand() < 0.1 ? 1 : 0)))
      : [];
  for (let r = 0; r < opts.nObs; r++) {
    const own = programs > 0 ? member[r % programs]! : undefined;
    const idx: number[] = [];
    const val: number[] = [];
    for (let c = Math.floor(Math.log(1 - rand()) / logq); c < nVars; c += 1 + Math.floor(Math.log(1 - rand()) / logq)) {
      if (own?.[c] && rand() < 0.75) continue; // program genes are drawn below instead
      idx.push(c);
      val.push(1 + Math.floor(-Math.log(1 - rand()) * 3));
    }
    if (own) {
      // program genes: 4× the density, 3× the level (keeps the overall density near `density`)
      for (let c = 0; c < nVars; c++) {
        if (own[c] && rand() < Math.min(1, density * 4 * 0.75)) {
          const at = idx.findIndex((x) => x >= c);
          if (at >= 0 && idx[at] === c) continue;
          const v = 1 + Math.floor(-Math.log(1 - rand()) * 9);
          if (at < 0) {
            idx.push(c);
            val.push(v);
          } else {
            idx.splice(at, 0, c);
            val.splice(at, 0, v);
          }
        }
      }
    }
    yield { indices: Int32Array.from(idx), data: Float32Array.from(val) };
  }
}

export async function writeSyntheticZarr(dir: string, opts: SyntheticOptions): Promise<void> {
  const { nObs, genes } = opts;
  await writeGroup(dir, { "encoding-type": "anndata", "encoding-version": "0.1.0" });
  const nnzPerChunk = opts.chunkElements ?? 1 << 18;
  const matrices = opts.withCounts === false ? ["X"] : ["X", "layers/counts"];
  if (matrices.length > 1)
    await writeGroup(join(dir, "layers"), { "encoding-type": "dict", "encoding-version": "0.1.0" });
  for (const key of matrices) {
    const lognorm = key === "X" && opts.x === "lognorm" && !opts.rows;
    await writeCsr(join(dir, key), nObs, genes.length, opts.rows ?? countRows(opts), nnzPerChunk, lognorm);
  }
  await writeFrame(
    join(dir, "obs"),
    Array.from({ length: nObs }, (_, i) => `cell_${i}`),
    {},
  );
  const varCols: Record<string, string[]> = opts.withEnsembl === false ? {} : { ensembl_id: genes };
  await writeFrame(
    join(dir, "var"),
    genes.map((g, i) => `gene_${i}_${g.slice(-4)}`),
    varCols,
  );
  for (const g of ["obsm", "varm", "obsp", "varp", "uns"])
    await writeGroup(join(dir, g), { "encoding-type": "dict", "encoding-version": "0.1.0" });
}

async function writeCsr(
  dir: string,
  rows: number,
  cols: number,
  source: Iterable<{ indices: Int32Array; data: Float32Array }>,
  chunk: number,
  lognorm: boolean,
) {
  const shape = { "encoding-type": "csr_matrix", "encoding-version": "0.1.0", shape: [rows, cols] };
  await writeGroup(dir, shape);
  // nnz is unknown until the end: write chunks of a provisional 1-d array, then fix the shape
  const data = await ZarrArrayWriter.create(join(dir, "data"), { shape: [0], chunks: [chunk], dtype: "<f4" });
  const indices = await ZarrArrayWriter.create(join(dir, "indices"), { shape: [0], chunks: [chunk], dtype: "<i4" });
  const indptr = new BigInt64Array(rows + 1);
  const dBuf = new Float32Array(chunk),
    iBuf = new Int32Array(chunk);
  let fill = 0,
    chunkIndex = 0,
    nnz = 0,
    row = 0;
  const flush = async () => {
    await data.writeChunk([chunkIndex], dBuf.slice(0, fill));
    await indices.writeChunk([chunkIndex], iBuf.slice(0, fill));
    chunkIndex++;
    fill = 0;
  };
  for (const r of source) {
    let total = 0;
    for (const v of r.data) total += v;
    const scale = Math.fround(Math.fround(total) / 10000);
    for (let j = 0; j < r.data.length; j++) {
      dBuf[fill] = lognorm ? Math.fround(Math.log1p(Math.fround(r.data[j]! / scale))) : r.data[j]!;
      iBuf[fill++] = r.indices[j]!;
      nnz++;
      if (fill === chunk) await flush();
    }
    indptr[++row] = BigInt(nnz);
  }
  if (fill > 0) await flush();
  for (const name of ["data", "indices"]) {
    const metaPath = join(dir, name, ".zarray");
    const meta = JSON.parse(readFileSync(metaPath, "utf8"));
    meta.shape = [nnz];
    writeFileSync(metaPath, JSON.stringify(meta));
  }
  // int32 like scipy/anndata while it fits (scipy's fancy indexing wants indptr and indices alike)
  const small = nnz < 2 ** 31;
  const p = await ZarrArrayWriter.create(join(dir, "indptr"), {
    shape: [rows + 1],
    chunks: [rows + 1],
    dtype: small ? "<i4" : "<i8",
  });
  await p.writeChunk([0], small ? Int32Array.from(indptr, Number) : indptr);
}

async function writeFrame(dir: string, index: string[], columns: Record<string, string[]>) {
  await writeGroup(dir, {
    "encoding-type": "dataframe",
    "encoding-version": "0.2.0",
    _index: "_index",
    "column-order": Object.keys(columns),
  });
  const put = async (name: string, values: string[]) => {
    const chunk = Math.max(1, values.length);
    const wr = await ZarrArrayWriter.create(join(dir, name), {
      shape: [values.length],
      chunks: [chunk],
      dtype: "|O",
      attrs: { "encoding-type": "string-array", "encoding-version": "0.2.0" },
    });
    if (values.length > 0) await wr.writeChunk([0], values);
  };
  await put("_index", index);
  for (const [name, values] of Object.entries(columns)) await put(name, values);
}

/** Ensembl ids: the first `fromList` of a gene list, then made-up ids. */
export function geneIds(list: string[], fromList: number, extra: number): string[] {
  return [
    ...list.slice(0, fromList),
    ...Array.from({ length: extra }, (_, i) => `ENSG9${String(i).padStart(10, "0")}`),
  ];
}
