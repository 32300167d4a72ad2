#!/usr/bin/env bash
# Packs what a GPU-machine run needs beyond the working tree into .device/ (git-ignored through
# .git/info/exclude): Node.js itself (the machine has none), the built dist/, the runtime
# node_modules (koffi for linux-x64 only), and the parts of ../shared the GPU tests and the
# benchmark read (tiny Geneformer models, the first 96 fixture cells, the V2 stand-in dictionaries).
# Then: device run with carry [".device"] and `bash bench/device/run.sh <tests|bench|all>`.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo /.device/ >> .git/info/exclude
npm run build --silent
rm -rf .device && mkdir -p .device/stage/shared/fixtures/geneformer/embeddings .device/stage/shared/fixtures/geneformer/models
[ -f .device/node.xz ] || xz -T2 -c "$(command -v node)" > .device/node.xz
S=.device/stage
cp -r dist $S/dist
mkdir -p $S/node_modules/koffi/build/koffi
for m in h5wasm numcodecs yaml zod; do cp -r node_modules/$m $S/node_modules/; done
rm -rf $S/node_modules/h5wasm/test $S/node_modules/h5wasm/src
cp node_modules/koffi/package.json node_modules/koffi/index.js node_modules/koffi/indirect.js $S/node_modules/koffi/
cp -r node_modules/koffi/lib $S/node_modules/koffi/ 2>/dev/null || true
cp -r node_modules/koffi/build/koffi/linux_x64 $S/node_modules/koffi/build/koffi/
GF=../shared/fixtures/geneformer
for m in tinyV1 tinyV2; do mkdir -p $S/shared/fixtures/geneformer/models/$m && cp -r $GF/models/$m/safetensors $S/shared/fixtures/geneformer/models/$m/; done
cp $GF/*.pkl $S/shared/fixtures/geneformer/
cp $GF/embeddings/*.emb.*.npy $S/shared/fixtures/geneformer/embeddings/
# the first 96 cells' tokens (all the model tests read)
/usr/bin/python3 - "$GF" "$S/shared/fixtures/geneformer" <<'PY'
import sys, numpy as np
src, dst = sys.argv[1], sys.argv[2]
for mode in ["v1", "v2"]:
    off = np.load(f"{src}/pbmc_10x_3chem.{mode}.offsets.npy")[:97]
    ids = np.load(f"{src}/pbmc_10x_3chem.{mode}.input_ids.npy")[: off[-1]]
    np.save(f"{dst}/pbmc_10x_3chem.{mode}.offsets.npy", off)
    np.save(f"{dst}/pbmc_10x_3chem.{mode}.input_ids.npy", ids)
PY
tar -C $S -cf - . | xz -T2 -6 > .device/pack.tar.xz
rm -rf $S
du -sh .device/*
