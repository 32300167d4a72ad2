#!/usr/bin/env bash
# The Geneformer GPU benchmark (issue: CUDA backend), on a machine with an NVIDIA GPU, Python with
# torch + transformers, and Node.js: random-init V2-104M and V1-10M models, the real dataset
# tokenized and tiled to CELLS cells, HF transformers first, then scembed. Prints the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
CELLS=${CELLS:-20000}
W=${BENCH_DIR:-/tmp/scembed-gf-bench}
GF=test/fixtures/geneformer   # the V2 stand-in dictionaries (the V2 median dictionary is not public)
mkdir -p "$W"
export PYTHONUNBUFFERED=1
[ -d "$W/models/V2-104M" ] || python3 bench/geneformer_hf.py make "$W/models" resources/geneformer
# E2E_ONLY=1: the end-to-end rows alone (below)
if [ -z "${E2E_ONLY:-}" ]; then
node dist/bench/geneformer-tokens.js "$W/tokens" "$CELLS" "$GF/token_dictionary_gc104M_v2standin.pkl" "$GF/gene_median_dictionary_v2standin.pkl"
python3 bench/geneformer_hf.py run "$W/models/V2-104M" "$W/tokens/v2" cls "${V2_BATCHES:-128,256}" "$W/hf-v2.json" "$W/ref-v2"
python3 bench/geneformer_hf.py run "$W/models/V1-10M" "$W/tokens/v1" mean "${V1_BATCHES:-512}" "$W/hf-v1.json" "$W/ref-v1"
node dist/bench/geneformer-gpu.js "$W/models/V2-104M" "$W/tokens/v2" cls "$W/hf-v2.json" "$W/ref-v2" ${V2_BUDGET:-}
node dist/bench/geneformer-gpu.js "$W/models/V1-10M" "$W/tokens/v1" mean "$W/hf-v1.json" "$W/ref-v1" ${V1_BUDGET:-}
# token budgets a quarter and twice the default, for comparison (BUDGETS= skips them)
for b in ${BUDGETS-32768 262144}; do node dist/bench/geneformer-gpu.js "$W/models/V2-104M" "$W/tokens/v2" cls "$W/hf-v2.json" "$W/ref-v2" $b | grep -E "^\| scembed|^ratio"; done
fi

[ "${NO_E2E:-0}" = 1 ] && exit 0  # NO_E2E=1: the throughput rows alone
# End to end (issue 18): `scembed embed` of a 20,000-cell .h5ad (the demo's PBMCs tiled 7×, counts
# thinned to P=0.26: the issue's mean of ~527 tokens a cell) with the random-init V2-104M; cold = no
# token cache (compiled kernels cached by the runs above), warm = tokens cached. Wall time of the
# whole process and the CLI's own phase line. HF beside it: its forward alone on the same tokens.
python3 bench/tile_h5ad.py data/pbmc_10x_3chem.h5ad "$W/pbmc20k.h5ad" 7 0.26
E=$W/e2e
rm -rf "$E" && mkdir -p "$E"
for run in cold warm; do
  rm -rf "$E/out.zarr"
  t0=$(date +%s.%N)
  node bin/scembed.js embed --input "$W/pbmc20k.h5ad" --output "$E/out.zarr" --methods geneformer \
    ++init_kwargs_geneformer.model_dir="$W/models/V2-104M" \
    ++init_kwargs_geneformer.token_dictionary_file="$GF/token_dictionary_gc104M_v2standin.pkl" \
    ++init_kwargs_geneformer.gene_median_file="$GF/gene_median_dictionary_v2standin.pkl" > "$E/$run.log" 2>&1 || { cat "$E/$run.log"; exit 1; }
  t1=$(date +%s.%N)
  echo "e2e $run: wall $(python3 -c "print(f'{$t1 - $t0:.1f}')") s; $(grep -o 'phases: .*' "$E/$run.log")"
  [ -n "${OUT:-}" ] && cp "$E/$run.log" "$OUT/e2e-$run.log"
done
# the same file with gs alone (no GPU): the output store's time when nothing else runs
rm -rf "$E/gs.zarr"
node bin/scembed.js embed --input "$W/pbmc20k.h5ad" --output "$E/gs.zarr" --methods gs 2>&1 | grep -o 'phases: .*' | sed 's/^/e2e gs only: /'
tokens=$(ls "$E"/.scembed-cache/*.tokens)
python3 -c "import numpy as np,sys; raw=open(sys.argv[1],'rb').read(); n=int(np.frombuffer(raw,np.uint32,1,8)[0]); L=np.frombuffer(raw,np.int32,n,24); print(f'e2e file: {n} cells, mean {L.mean():.0f} tokens, max {L.max()}')" "$tokens"
python3 bench/geneformer_hf.py run "$W/models/V2-104M" "$tokens" cls 256 "$W/hf-e2e.json" - | sed 's/^/e2e HF forward only, /'
