"""Writes small AnnData files in the element encodings anndata 0.12/0.13 write, by hand with h5py
and zarr 2 (anndata 0.13 cannot be installed here), following scverse/anndata 0.13.2
src/anndata/_io/specs/methods.py element by element:

  dataframe 0.2.0        group; attrs _index (the index's key), column-order
  categorical 0.2.0      group; attr ordered; codes (int8, -1 missing), categories (an array)
  string-array 0.2.0     h5: vlen str dataset; zarr v2: |O with the vlen-utf8 filter
  nullable-string-array  group; attr na-value "NA" | "NaN"; values ("" where missing), mask
  nullable-integer/-boolean 0.1.0   group; values (0 / False where missing), mask
  csr_matrix/csc_matrix 0.1.0       group; attr shape; data, indices (uint8: anndata's
                                    write_csr_csc_indices_with_min_possible_dtype), indptr (int64)
  array 0.2.0            a dataset
  null 0.1.0             h5: h5py.Empty("f"); zarr: a 0-d bool array (write_null_zarr)

Usage: anndata_013_layouts.py OUT_DIR  →  OUT_DIR/{enc,nullx}.{h5ad,zarr}, OUT_DIR/nan.zarr
(enc.zarr and nullx.zarr mark their index na-value "NA", nan.zarr "NaN" as pandas' default
string dtype makes anndata 0.13 write it)
"""
import sys

import h5py
import numpy as np
import zarr
from numcodecs import VLenUTF8


def enc(t, v="0.2.0"):
    return {"encoding-type": t, "encoding-version": v}


class H5:
    def __init__(self, path):
        self.f = h5py.File(path, "w")

    def group(self, key, attrs):
        g = self.f if key == "" else self.f.require_group(key)
        for k, v in attrs.items():
            if isinstance(v, list) and k == "column-order":
                v = np.array(v, dtype=h5py.string_dtype()) if v else np.array([], dtype="f8")
            g.attrs[k] = v

    def array(self, key, data, attrs):
        self.f.create_dataset(key, data=data).attrs.update(attrs)

    def strings(self, key, values, attrs):
        d = self.f.create_dataset(key, data=np.array(values, dtype=object), dtype=h5py.string_dtype())
        d.attrs.update(attrs)

    def null(self, key):
        self.f.create_dataset(key, data=h5py.Empty("f")).attrs.update(enc("null", "0.1.0"))

    def close(self):
        self.f.close()


class Zarr:
    def __init__(self, path):
        self.root = zarr.open_group(path, mode="w")

    def group(self, key, attrs):
        g = self.root if key == "" else self.root.require_group(key)
        g.attrs.update(attrs)

    def array(self, key, data, attrs):
        self.root.create_dataset(key, data=data, chunks=max(1, len(data) // 2)).attrs.update(attrs)

    def strings(self, key, values, attrs):
        a = self.root.create_dataset(key, data=np.array(values, dtype=object), dtype=object, object_codec=VLenUTF8(), chunks=3)
        a.attrs.update(attrs)

    def null(self, key):
        self.root.create_dataset(key, shape=(), dtype=bool).attrs.update(enc("null", "0.1.0"))

    def close(self):
        pass


def categorical(w, key, codes, categories, strings):
    w.group(key, {**enc("categorical"), "ordered": False})
    w.array(f"{key}/codes", np.array(codes, dtype="i1"), enc("array"))
    if strings:
        w.strings(f"{key}/categories", categories, enc("string-array"))
    else:
        w.array(f"{key}/categories", np.array(categories, dtype="i8"), enc("array"))


def nullable(w, key, kind, values, mask, na_value=None):
    attrs = {**enc(kind, "0.1.0"), **({"na-value": na_value} if na_value else {})}
    w.group(key, attrs)
    if kind == "nullable-string-array":
        w.strings(f"{key}/values", values, enc("string-array"))
    else:
        w.array(f"{key}/values", values, enc("array"))
    w.array(f"{key}/mask", np.array(mask, dtype=bool), enc("array"))


def sparse(w, key, kind, dense):
    axis = 1 if kind == "csr_matrix" else 0
    major = dense if axis == 1 else dense.T
    indptr, indices, data = [0], [], []
    for row in major:
        nz = np.flatnonzero(row)
        indices += nz.tolist()
        data += row[nz].tolist()
        indptr.append(len(indices))
    w.group(key, {**enc(kind, "0.1.0"), "shape": list(dense.shape)})
    w.array(f"{key}/data", np.array(data, dtype="f4"), enc("array"))
    w.array(f"{key}/indices", np.array(indices, dtype="u1"), enc("array"))
    w.array(f"{key}/indptr", np.array(indptr, dtype="i8"), enc("array"))


COUNTS = np.array([[0, 1, 0, 0, 2], [3, 0, 0, 0, 0], [0, 0, 0, 0, 0], [1, 1, 1, 1, 1], [0, 0, 7, 0, 0], [0, 2, 0, 0, 9]], dtype="f4")


def write(w, null_x, index_na="NaN"):
    w.group("", enc("anndata", "0.1.0"))
    columns = ["cat", "cat_num", "nstr", "nint", "nbool", "sarr", "f", "b"]
    w.group("obs", {**enc("dataframe"), "_index": "_index", "column-order": columns})
    nullable(w, "obs/_index", "nullable-string-array", [f"c{i}" for i in range(6)], [False] * 6, index_na)
    categorical(w, "obs/cat", [0, 1, -1, 0, 2, 1], ["a", "b", "c"], True)
    categorical(w, "obs/cat_num", [1, 0, 1, -1, 0, 0], [10, 20], False)
    nullable(w, "obs/nstr", "nullable-string-array", ["x", "", "z", "w", "", "v"], [0, 1, 0, 0, 1, 0], "NA")
    nullable(w, "obs/nint", "nullable-integer", np.array([1, 0, 3, 4, 0, 6], dtype="i8"), [0, 1, 0, 0, 1, 0])
    nullable(w, "obs/nbool", "nullable-boolean", np.array([1, 0, 1, 0, 0, 1], dtype=bool), [0, 0, 0, 1, 0, 0])
    w.strings("obs/sarr", ["p", "q", "r", "s", "t", "u"], enc("string-array"))
    w.array("obs/f", np.arange(6, dtype="f4") / 2, enc("array"))
    w.array("obs/b", np.array([1, 0, 0, 1, 1, 0], dtype=bool), enc("array"))
    # an index with a name: anndata writes it under that name and points _index at it
    w.group("var", {**enc("dataframe"), "_index": "gene_ids", "column-order": []})
    w.strings("var/gene_ids", [f"ENSG0000000000{i}" for i in range(5)], enc("string-array"))
    if null_x:
        w.null("X")
    else:
        sparse(w, "X", "csr_matrix", COUNTS)
    w.group("layers", enc("dict", "0.1.0"))
    sparse(w, "layers/counts", "csr_matrix", COUNTS)
    sparse(w, "layers/csc", "csc_matrix", COUNTS)
    w.array("layers/dense", COUNTS.astype("f8"), enc("array"))
    for g in ["obsm", "varm", "obsp", "varp", "uns"]:
        w.group(g, enc("dict", "0.1.0"))
    w.close()


out = sys.argv[1]
for name, null_x in [("enc", False), ("nullx", True)]:
    write(H5(f"{out}/{name}.h5ad"), null_x)
    write(Zarr(f"{out}/{name}.zarr"), null_x, index_na="NA")
write(Zarr(f"{out}/nan.zarr"), False)
print("{}")
