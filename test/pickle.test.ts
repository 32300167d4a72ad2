/** The safe pickle reader on pickles written by Python, and on the reference's sklearn PCA. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { asNdArray, PyObject, readPickle } from "../src/models/pickle.ts";
import { readPretrainedPca } from "../src/models/sklearn-pca.ts";
import { expectClose } from "./helpers/expect-close.ts";
import { readNpy } from "./helpers/npy.ts";
import { FIXTURES, tempDir } from "./helpers/paths.ts";
import { packagePath } from "../src/package-root.ts";
import { anndataAvailable, PYTHON } from "./helpers/python.ts";

const MAKE = `
import pickle, numpy as np, collections, sys
class Thing:
    def __init__(self): self.x = 3; self.arr = np.array([1.5, 2.5])
d = {"a": 1, "b": 2.5, "big": 2**40, "huge": 2**70, "neg": -7, "s": "ü", "l": [1, 2, 3], "t": (1, "x"), "none": None, "yes": True,
     "f32": np.arange(6, dtype=np.float32).reshape(2, 3), "i64": np.array([1, -2], dtype=np.int64), "strs": np.array(["a", "bb"], dtype=object),
     "sc": np.int64(42), "scf": np.float32(1.5), "od": collections.OrderedDict([("k", 1)]), "set": {1, 2}, "obj": Thing(), "bytes": b"ab"}
for proto in (2, 3, 4, 5):
    open(f"{sys.argv[1]}/p{proto}.pkl", "wb").write(pickle.dumps(d, protocol=proto))
`;

test("pickles of protocols 2–5 decode to the same values; classes stay inert records", {
  skip: anndataAvailable() ? false : "needs Debian python3-numpy",
}, (t) => {
  const dir = tempDir(t);
  execFileSync(PYTHON, ["-c", MAKE, dir]);
  for (const proto of [2, 3, 4, 5]) {
    const d = readPickle(readFileSync(join(dir, `p${proto}.pkl`))) as Map<string, unknown>;
    assert.equal(d.get("a"), 1);
    assert.equal(d.get("b"), 2.5);
    assert.equal(d.get("big"), 2 ** 40);
    assert.equal(d.get("huge"), 2n ** 70n);
    assert.equal(d.get("neg"), -7);
    assert.equal(d.get("s"), "ü");
    assert.deepEqual(d.get("l"), [1, 2, 3]);
    assert.deepEqual(d.get("t"), [1, "x"]);
    assert.equal(d.get("none"), null);
    assert.equal(d.get("yes"), true);
    const f32 = asNdArray(d.get("f32"))!;
    assert.deepEqual([f32.dtype, f32.shape, Array.from(f32.data as Float32Array)], ["f4", [2, 3], [0, 1, 2, 3, 4, 5]]);
    assert.deepEqual(Array.from(asNdArray(d.get("i64"))!.data as BigInt64Array), [1n, -2n]);
    assert.deepEqual(asNdArray(d.get("strs"))!.data, ["a", "bb"]);
    assert.equal(d.get("sc"), 42n);
    assert.equal(d.get("scf"), 1.5);
    assert.deepEqual(d.get("od"), new Map([["k", 1]]));
    assert.deepEqual(d.get("set"), new Set([1, 2]));
    const obj = d.get("obj") as PyObject;
    assert.ok(obj instanceof PyObject);
    assert.equal(obj.className, "__main__.Thing");
    assert.equal(obj.dict["x"], 3);
    assert.deepEqual(Array.from(asNdArray(obj.dict["arr"])!.data as Float64Array), [1.5, 2.5]);
    assert.deepEqual(Array.from(d.get("bytes") as Uint8Array), [97, 98]);
  }
});

test("the reference's sklearn PCA pickle reads directly and equals its exported arrays", () => {
  const model = readPretrainedPca(packagePath("resources/pca/cellxgene_geo_pca_10000_to_50.pkl"));
  assert.equal(model.K, 50);
  assert.equal(model.G, 10000);
  const exported = join(FIXTURES, "pca-export");
  assert.deepEqual(model.genes, readFileSync(join(exported, "gene_order.txt"), "utf8").split("\n").filter(Boolean));
  const f = (name: string) => Float64Array.from(readNpy(join(exported, name)).data as ArrayLike<number>);
  // the export keeps the first 5 of the 50 components (space); every row is compared elsewhere through X_pca
  expectClose(model.components.subarray(0, 5 * 10000), f("pca_components.first5.npy"), {
    atol: 0,
    label: "components 1-5",
  });
  expectClose(model.pcaMean, f("pca_mean.npy"), { atol: 0, label: "pca mean" });
  expectClose(model.scalerMean, f("scaler_mean.npy"), { atol: 0, label: "scaler mean" });
  expectClose(model.scalerScale, f("scaler_scale.npy"), { atol: 0, label: "scaler scale" });
});
