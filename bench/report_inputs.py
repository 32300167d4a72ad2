"""Chunk files for the report benchmark: N copies of the shipped demo PBMCs (2,860 cells, three
10x chemistries), each with its raw counts binomially thinned (p = 0.8, seed = chunk number), so
every cell is distinct and the chemistries' batch effect is real. X holds the thinned counts.
usage: /usr/bin/python3 bench/report_inputs.py DEMO.h5ad OUT_DIR N
"""
import os
import sys

import anndata as ad
import numpy as np
import scipy.sparse as sp

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = ad.read_h5ad(src)
counts = sp.csr_matrix(a.layers["counts"])
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "..", "genes.txt"), "w") as f:  # the scVI model's genes (bench/scvi_census_like.py)
    f.write("\n".join(map(str, a.var["ensembl_id"])) + "\n")
for f in range(n):
    rng = np.random.default_rng(f)
    c = counts.copy()
    c.data = rng.binomial(c.data.astype(np.int64), 0.8).astype(np.float32)
    c.eliminate_zeros()
    b = ad.AnnData(X=c, obs=a.obs[["batch"]].copy(), var=a.var.copy())
    b.obs_names = [f"c{f}:{name}" for name in a.obs_names]
    b.write_zarr(os.path.join(out, f"chunk_{f}.zarr"))
