"""A bigger .h5ad for the end-to-end benchmark (issue 18): the shipped demo PBMCs (2,860 cells)
tiled N times, each copy's counts binomially thinned (P = 0.8 unless given, seed = copy number)
so every cell is distinct (a smaller P: shallower cells, fewer Geneformer tokens); gzip-compressed as the demo. 7 copies: 20,020 cells, the issue's 20,000-cell file.
Written with h5py alone in anndata's on-disk layout (the GPU machine has h5py but no anndata):
X a CSR group, obs its index (c<copy>:<name>) and columns tiled, n_counts / n_genes recomputed,
var, uns and the empty groups copied, layers/counts a hard link to X as in the demo.
usage: python3 bench/tile_h5ad.py DEMO.h5ad OUT.h5ad N [P]
"""
import sys

import h5py
import numpy as np

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
keep_p = float(sys.argv[4]) if len(sys.argv) > 4 else 0.8
GZ = dict(compression="gzip")
STR = h5py.string_dtype()


def attrs(obj, kind, version="0.2.0", **more):
    obj.attrs["encoding-type"] = kind
    obj.attrs["encoding-version"] = version
    for k, v in more.items():
        obj.attrs[k] = v


with h5py.File(src, "r") as a, h5py.File(out, "w") as t:
    attrs(t, "anndata", "0.1.0")
    x = a["X"]
    data, indices, indptr = x["data"][:], x["indices"][:], x["indptr"][:].astype(np.int64)
    rows = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    parts, part_rows, part_cols = [], [], []
    for f in range(n):
        d = np.random.default_rng(f).binomial(data.astype(np.int64), keep_p).astype(np.float32)
        keep = d != 0
        parts.append(d[keep])
        part_rows.append(rows[keep] + f * (len(indptr) - 1))
        part_cols.append(indices[keep])
    all_rows = np.concatenate(part_rows)
    n_obs = n * (len(indptr) - 1)
    counts = np.bincount(all_rows, minlength=n_obs)
    new_indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    new_data = np.concatenate(parts)
    X = t.create_group("X")
    attrs(X, "csr_matrix", "0.1.0", shape=np.array([n_obs, x.attrs["shape"][1]]))
    X.create_dataset("data", data=new_data, **GZ)
    X.create_dataset("indices", data=np.concatenate(part_cols).astype(np.int32), **GZ)
    X.create_dataset("indptr", data=new_indptr, **GZ)

    obs_src = a["obs"]
    obs = t.create_group("obs")
    columns = [c for c in obs_src.attrs["column-order"] if c not in ("n_counts", "n_genes")]
    attrs(obs, "dataframe", _index="_index", **{"column-order": np.array(columns + ["n_counts", "n_genes"], dtype=object)})
    names = [s.decode() if isinstance(s, bytes) else s for s in obs_src["_index"][:]]
    tiled_names = [f"c{f}:{name}" for f in range(n) for name in names]
    attrs(obs.create_dataset("_index", data=np.array(tiled_names, dtype=object), dtype=STR, **GZ), "string-array")
    for c in columns:
        col = obs_src[c]
        if isinstance(col, h5py.Group):  # categorical: categories copied, codes tiled
            g = obs.create_group(c)
            attrs(g, "categorical", ordered=col.attrs["ordered"])
            a.copy(col["categories"], g, "categories")
            attrs(g.create_dataset("codes", data=np.tile(col["codes"][:], n), **GZ), "array")
        else:
            values = col[:]
            ds = obs.create_dataset(c, data=np.tile(values, n), dtype=STR if values.dtype == object else values.dtype, **GZ)
            attrs(ds, col.attrs["encoding-type"])
    sums = np.bincount(all_rows, weights=new_data, minlength=n_obs).astype(np.float32)
    attrs(obs.create_dataset("n_counts", data=sums, **GZ), "array")
    attrs(obs.create_dataset("n_genes", data=counts.astype(np.int32), **GZ), "array")
    for key in ["var", "uns", "obsm", "obsp", "varm", "varp"]:
        if key in a:
            a.copy(a[key], t, key)
    layers = t.create_group("layers")
    attrs(layers, "dict", "0.1.0")
    for key in a.get("layers", {}):
        if a["layers"][key] != a["X"]:
            sys.exit(f"layers/{key}: only a layer that is X itself (a hard link, as the demo's counts) can be tiled")
        layers[key] = X  # the same hard link as in the demo
    print(f"{out}: {n_obs} cells × {x.attrs['shape'][1]} genes, {len(new_data)} stored counts")
