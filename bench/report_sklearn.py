"""The report's batch metrics with scikit-learn on the same cells: PCA to 50 when wider
(sklearn PCA, randomized), exact 90-NN (NearestNeighbors, brute), batch ASW (silhouette_samples,
scIB scaling, one group: no labels), iLISI (Harmony's formula on the 90 neighbours, perplexity
30, scib-metrics scaling). Prints one JSON line: per method the values and seconds.
usage: /usr/bin/python3 bench/report_sklearn.py BATCH_KEY FILE.zarr ...
"""
import json
import sys
import time

import anndata as ad
import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_samples
from sklearn.neighbors import NearestNeighbors


def simpson(dist, idx, codes, n_cat, perplexity=30.0, tol=1e-5, steps=50):
    out = np.zeros(dist.shape[0])
    logU = np.log(perplexity)
    for i in range(dist.shape[0]):
        d, beta, lo, hi = dist[i], 1.0, -np.inf, np.inf
        for _ in range(steps):
            P = np.exp(-d * beta)
            s = P.sum()
            if s == 0:
                H, P = 0.0, np.zeros_like(d)
            else:
                H = np.log(s) + beta * np.sum(d * P) / s
                P = P / s
            diff = H - logU
            if abs(diff) < tol:
                break
            if diff > 0:
                lo = beta
                beta = beta * 2 if hi == np.inf else (beta + hi) / 2
            else:
                hi = beta
                beta = beta / 2 if lo == -np.inf else (beta + lo) / 2
        out[i] = np.sum(np.bincount(codes[idx[i]], weights=P, minlength=n_cat) ** 2)
    return out


key, files = sys.argv[1], sys.argv[2:]
adatas = [ad.read_zarr(f) for f in files]
batch = np.concatenate([a.obs[key].astype(str).values for a in adatas])
cats, codes = np.unique(batch, return_inverse=True)
result = {}
for m in sorted(k for k in adatas[0].obsm.keys() if k.startswith("X_")):
    t0 = time.time()
    X = np.concatenate([np.asarray(a.obsm[m], dtype=np.float32) for a in adatas])
    if X.shape[1] > 50:
        X = PCA(50, svd_solver="randomized", random_state=0).fit_transform(X)
    nn = NearestNeighbors(n_neighbors=91, algorithm="brute").fit(X)
    dist, idx = nn.kneighbors(X)
    dist, idx = dist[:, 1:], idx[:, 1:]
    asw = float(np.mean(1 - np.abs(silhouette_samples(X, codes))))
    lisi = 1 / simpson(dist, idx, codes, len(cats))
    ilisi = float((np.median(lisi) - 1) / (len(cats) - 1))
    result[m] = {"batchAsw": asw, "ilisi": ilisi, "seconds": time.time() - t0}
print(json.dumps(result))
