"""A bigger .h5ad for the output-copy benchmark (issue 18): the shipped demo PBMCs (2,860 cells)
tiled N times, each copy's counts binomially thinned (p = 0.8, seed = copy number) so every cell
is distinct; gzip-compressed as the demo. 7 copies: 20,020 cells, the issue's 20,000-cell file.
usage: /usr/bin/python3 bench/tile_h5ad.py DEMO.h5ad OUT.h5ad N
"""
import sys

import anndata as ad
import numpy as np
import scipy.sparse as sp

src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = ad.read_h5ad(src)
counts = sp.csr_matrix(a.X)
parts = []
for f in range(n):
    rng = np.random.default_rng(f)
    c = counts.copy()
    c.data = rng.binomial(c.data.astype(np.int64), 0.8).astype(np.float32)
    c.eliminate_zeros()
    b = ad.AnnData(X=c, obs=a.obs.copy(), var=a.var.copy())
    b.obs_names = [f"c{f}:{name}" for name in a.obs_names]
    parts.append(b)
t = ad.concat(parts, merge="same")
t.obs["n_counts"] = np.asarray(t.X.sum(axis=1)).ravel().astype(np.float32)
t.obs["n_genes"] = np.diff(t.X.indptr).astype(np.int32)
t.uns = dict(a.uns)
t.write_h5ad(out, compression="gzip")
print(t)
