/**
 * LZF in h5ad: the decoder on hand-made streams, then real files written by h5py's LZF filter
 * (Debian's python3-h5py) read through the raw-chunk path and compared with what h5py reads, and
 * anndata's lzf h5ad against its gzip twin, down to the embedding.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { AnnDataReader } from "../src/anndata/anndata-reader.ts";
import { lzfDecompress } from "../src/store/h5-lzf.ts";
import { openTree } from "../src/store/open-tree.ts";
import { runCli } from "./helpers/cli.ts";
import { REAL, tempDir } from "./helpers/paths.ts";
import { anndataAvailable, python, PYTHON } from "./helpers/python.ts";

const text = (s: string) => new TextEncoder().encode(s);

test("LZF streams: literal runs, overlapping and long back references, far distances", () => {
  assert.deepEqual(lzfDecompress(Uint8Array.from([2, 0x61, 0x62, 0x63]), 3), text("abc"));
  // "a", then 7 bytes from 1 back (ctrl 0xa0: length 5 + 2, distance 0 + 1)
  assert.deepEqual(lzfDecompress(Uint8Array.from([0, 0x61, 0xa0, 0]), 8), text("a".repeat(8)));
  // length 7 means one more length byte: 7 + 90 + 2 = 99 bytes
  assert.deepEqual(lzfDecompress(Uint8Array.from([0, 0x61, 0xe0, 90, 0]), 100), text("a".repeat(100)));
  // 300 literal bytes in runs of 32, then 3 bytes from 300 back (distance 299 + 1 = (1 << 8) + 43 + 1)
  const head = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
  const stream: number[] = [];
  for (let i = 0; i < 300; i += 32) stream.push(Math.min(32, 300 - i) - 1, ...head.subarray(i, i + 32));
  stream.push(0x21, 43);
  assert.deepEqual(lzfDecompress(Uint8Array.from(stream), 303), Uint8Array.from([...head, ...head.subarray(0, 3)]));
});

test("corrupt LZF streams are errors, never short or padded output", () => {
  const cases: [number[], number, RegExp][] = [
    [[5, 1, 2], 6, /literal run of 6 bytes passes the end of the input/],
    [[0x20, 0], 2, /points 1 bytes back from output byte 0/],
    [[0, 0x61], 2, /decoded 1 bytes, expected 2/],
    [[2, 1, 2, 3], 2, /the output exceeds 2 bytes/],
    [[0, 0x61, 0xe0], 20, /back reference is cut off/],
  ];
  for (const [bytes, n, message] of cases)
    assert.throws(() => lzfDecompress(Uint8Array.from(bytes), n), message, String(bytes));
});

function h5pyMissing(): string | false {
  try {
    execFileSync(PYTHON, ["-c", "import h5py; assert h5py.h5z.filter_avail(32000)"], { stdio: "ignore" });
    return false;
  } catch {
    return `${PYTHON} with h5py (and its LZF filter) is not installed (Debian: python3-h5py)`;
  }
}

/** Datasets that exercise the raw-chunk path; h5py's own reads are the expectation. */
const WRITE_LZF = `
import sys, json, h5py, numpy as np
rng = np.random.default_rng(7)
path = sys.argv[1]
with h5py.File(path, "w") as f:
    lzf = dict(compression="lzf")
    f.create_dataset("f4_2d", data=np.arange(1000, dtype="f4").reshape(100, 10), chunks=(7, 4), **lzf)
    f.create_dataset("i8", data=rng.integers(-5, 5, 1000), chunks=(64,), **lzf)
    f.create_dataset("u1_random", data=rng.integers(0, 256, 5000, dtype="u1"), chunks=(1000,), **lzf)
    f.create_dataset("f8_shuffle", data=rng.random(500), chunks=(64,), shuffle=True, **lzf)
    names = np.array([f"zellé_{i}_" + "x" * (i % 5) for i in range(50)], dtype=object)
    f.create_dataset("vlen", data=names, dtype=h5py.string_dtype(), chunks=(8,), **lzf)
    f.create_dataset("fixed", data=np.array([b"ab", b"cdef", b"", b"ghijkl", b"m"] * 3, dtype="S6"), chunks=(4,), **lzf)
    f.create_dataset("big_endian", data=np.linspace(0, 1, 30, dtype=">f4"), chunks=(8,), **lzf)
    partial = f.create_dataset("partial", shape=(100,), dtype="f4", chunks=(10,), **lzf)
    partial[0:10] = 1.5
    partial[55:60] = 2.5
    f.create_dataset("bools", data=rng.random(40) > 0.5, chunks=(16,), **lzf)
    f.create_dataset("i2_3d", data=np.arange(210, dtype="i2").reshape(5, 6, 7), chunks=(2, 3, 4), **lzf)
with h5py.File(path.replace(".h5", "-latest.h5"), "w", libver="latest") as f:
    f.create_dataset("single", data=np.arange(50, dtype="i4"), chunks=(50,), compression="lzf")
    f.create_dataset("fixed_array", data=np.arange(50, dtype="i4"), chunks=(10,), compression="lzf")
out = {}
with h5py.File(path, "r") as f:
    for k in f:
        v = f[k][()]
        out[k] = [x.decode() if isinstance(x, bytes) else x for x in v.ravel().tolist()]
print(json.dumps(out))
`;

test("h5py LZF datasets read from raw chunks equal h5py's reads", { skip: h5pyMissing() }, async (t) => {
  const path = join(tempDir(t), "lzf.h5");
  const expected = python<Record<string, (number | string | boolean)[]>>(WRITE_LZF, [path]);
  const tree = await openTree(path);
  try {
    for (const [key, values] of Object.entries(expected)) {
      const node = await tree.get(key);
      assert.ok(node?.kind === "array", key);
      const rowLength = node.shape.slice(1).reduce((a, b) => a * b, 1);
      const plain = (v: ArrayLike<unknown>) =>
        Array.from(v, (x) => (typeof x === "bigint" ? Number(x) : typeof values[0] === "boolean" ? x === 1 : x));
      assert.deepEqual(plain(await node.readAll()), values, `${key}: whole`);
      const [r0, r1] = [Math.min(3, node.shape[0]!), Math.min(17, node.shape[0]!)];
      assert.deepEqual(
        plain(await node.read(r0, r1)),
        values.slice(r0 * rowLength, r1 * rowLength),
        `${key}: rows ${r0}..${r1}`,
      );
      assert.deepEqual(plain(await node.read(r1, r1)), [], `${key}: no rows`);
      await assert.rejects(node.read(0, node.shape[0]! + 1), /row range \[0, \d+\) is outside/, key);
    }
    const latest = await openTree(path.replace(".h5", "-latest.h5"));
    try {
      const single = await latest.get("single");
      assert.ok(single?.kind === "array");
      assert.deepEqual(
        Array.from((await single.readAll()) as Int32Array),
        Array.from({ length: 50 }, (_, i) => i),
        "single-chunk index",
      );
      const fixed = await latest.get("fixed_array");
      assert.ok(fixed?.kind === "array");
      await assert.rejects(
        fixed.read(0, 5),
        /-latest\.h5, key 'fixed_array': HDF5 chunk index 'fixed array'.*not read here for LZF data[\s\S]*fix: re-save/,
      );
    } finally {
      latest.close();
    }
  } finally {
    tree.close();
  }
});

const WRITE_ANNDATA = `
import sys, json, anndata as ad, numpy as np, pandas as pd, scipy.sparse as sp
rng = np.random.default_rng(3)
X = sp.random(300, 40, density=0.2, format="csr", random_state=4, dtype=np.float32)
X.data = np.round(X.data * 10)
obs = pd.DataFrame({"batch": pd.Categorical(rng.choice(["a", "b", "c"], 300)), "n": rng.integers(0, 9, 300)}, index=[f"cell{i}" for i in range(300)])
var = pd.DataFrame(index=[f"ENSG{i:011d}" for i in range(40)])
a = ad.AnnData(X=X, obs=obs, var=var, layers={"dense": X.toarray()})
a.write_h5ad(sys.argv[1], compression="lzf")
a.write_h5ad(sys.argv[2], compression="gzip")
print("{}")
`;

test("an h5ad written by anndata with compression='lzf' reads the same as its gzip twin", {
  skip: anndataAvailable() ? false : `${PYTHON} with anndata is not installed (Debian: python3-anndata)`,
}, async (t) => {
  const dir = tempDir(t);
  const [lzf, gzip] = [join(dir, "lzf.h5ad"), join(dir, "gzip.h5ad")];
  python(WRITE_ANNDATA, [lzf, gzip]);
  const read = async (path: string) => {
    const r = await AnnDataReader.open(path);
    try {
      const x = await r.matrix("X");
      const blocks = [await x.readRows(0, 120), await x.readRows(120, 300)].map((b) => [
        Array.from(b.indptr),
        Array.from(b.indices),
        Array.from(b.data),
      ]);
      const dense = Array.from(await (await r.matrix("layers/dense")).readStored(50, 80));
      return {
        obs: await r.obsNames(),
        vars: await r.varNames(),
        batch: await r.column("obs", "batch"),
        n: await r.column("obs", "n"),
        blocks,
        dense,
      };
    } finally {
      r.close();
    }
  };
  const [a, b] = [await read(lzf), await read(gzip)];
  assert.equal(a.obs.length, 300);
  assert.ok(a.blocks[0]![2]!.length > 0);
  assert.deepEqual(a, b);
});

test("an LZF h5ad embeds (gs) bit-identical to its gzip twin", {
  skip: anndataAvailable() ? false : `${PYTHON} with anndata is not installed (Debian: python3-anndata)`,
}, async (t) => {
  const dir = tempDir(t);
  const resave =
    "import sys, anndata as ad; a = ad.read_h5ad(sys.argv[1]); a.write_h5ad(sys.argv[2], compression='lzf'); a.write_h5ad(sys.argv[3], compression='gzip')";
  execFileSync(PYTHON, [
    "-c",
    resave,
    join(REAL, "pbmc1k_v3_chr21.h5ad"),
    join(dir, "lzf.h5ad"),
    join(dir, "gzip.h5ad"),
  ]);
  const embedded: number[][] = [];
  for (const name of ["lzf", "gzip"]) {
    const out = join(dir, `${name}.zarr`);
    const r = runCli(["embed", "--input", join(dir, `${name}.h5ad`), "--output", out, "--methods", "gs", "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const tree = await openTree(out);
    const node = await tree.get("obsm/X_gs");
    assert.ok(node?.kind === "array");
    embedded.push(Array.from((await node.readAll()) as Float32Array));
    tree.close();
  }
  assert.ok(embedded[0]!.some((v) => v !== 0));
  assert.deepEqual(embedded[0], embedded[1]);
});
