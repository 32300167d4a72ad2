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
node dist/bench/geneformer-tokens.js "$W/tokens" "$CELLS" "$GF/token_dictionary_gc104M_v2standin.pkl" "$GF/gene_median_dictionary_v2standin.pkl"
python3 bench/geneformer_hf.py run "$W/models/V2-104M" "$W/tokens/v2" cls "${V2_BATCHES:-128,256}" "$W/hf-v2.json" "$W/ref-v2"
python3 bench/geneformer_hf.py run "$W/models/V1-10M" "$W/tokens/v1" mean "${V1_BATCHES:-512}" "$W/hf-v1.json" "$W/ref-v1"
node dist/bench/geneformer-gpu.js "$W/models/V2-104M" "$W/tokens/v2" cls "$W/hf-v2.json" "$W/ref-v2" ${V2_BUDGET:-}
node dist/bench/geneformer-gpu.js "$W/models/V1-10M" "$W/tokens/v1" mean "$W/hf-v1.json" "$W/ref-v1" ${V1_BUDGET:-}
# token budgets a quarter and twice the default, for comparison
for b in 32768 262144; do node dist/bench/geneformer-gpu.js "$W/models/V2-104M" "$W/tokens/v2" cls "$W/hf-v2.json" "$W/ref-v2" $b | grep -E "^\| scembed|^ratio"; done
