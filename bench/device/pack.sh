#!/usr/bin/env bash
# Packs what a GPU-machine run needs beyond the working tree into .device/ (git-ignored through
# .git/info/exclude): Node.js itself (the machine has none), the built dist/, the runtime
# node_modules (koffi for linux-x64 only). The fixtures the GPU tests and the benchmark read travel
# with the working tree (test/fixtures/geneformer).
# Then: `bash bench/device/slim.sh out` (the tree must stay under the device's 64 MiB), device run
# with carry [".device"] and `bash bench/device/run.sh <tests|bench|all>`, and `slim.sh in`.
set -euo pipefail
cd "$(dirname "$0")/../.."
grep -qx '/.device/' .git/info/exclude 2>/dev/null || echo /.device/ >> .git/info/exclude
npm run build --silent
rm -rf .device && mkdir -p .device/stage
[ -f .device/node.xz ] || xz -T2 -c "$(command -v node)" > .device/node.xz
S=.device/stage
cp -r dist $S/dist
mkdir -p $S/node_modules/koffi/build/koffi
for m in h5wasm numcodecs yaml zod; do cp -r node_modules/$m $S/node_modules/; done
rm -rf $S/node_modules/h5wasm/test $S/node_modules/h5wasm/src
cp node_modules/koffi/package.json node_modules/koffi/index.js node_modules/koffi/indirect.js $S/node_modules/koffi/
cp -r node_modules/koffi/lib $S/node_modules/koffi/ 2>/dev/null || true
cp -r node_modules/koffi/build/koffi/linux_x64 $S/node_modules/koffi/build/koffi/
tar -C $S -cf - . | xz -T2 -6 > .device/pack.tar.xz
rm -rf $S
du -sh .device/*
