#!/usr/bin/env bash
# On the GPU machine (see pack.sh): unpacks Node.js and the pack, then runs the CUDA tests
# ("tests"), the benchmark ("bench"), the attention kernels alone ("attention"), cuBLASLt's GEMM
# algorithms ("gemms"), several of them (`run.sh attention tests bench`) or all four ("all"),
# always in that order (attention, gemms, tests, bench); logs go to $OUT.
set -uo pipefail
for s in "$@"; do [[ " attention gemms tests bench all " == *" $s "* ]] || { echo "run.sh: unknown step '$s' (attention, gemms, tests, bench, all)"; exit 2; }; done
[[ $# -gt 0 ]] || { echo "usage: run.sh attention|gemms|tests|bench|all ..."; exit 2; }
cd "$(dirname "$0")/../.."
OUT=${OUT:-/tmp/scembed-out}; mkdir -p "$OUT"
xz -dc .device/node.xz > /tmp/node && chmod +x /tmp/node
mkdir -p /tmp/bin && ln -sf /tmp/node /tmp/bin/node
export PATH=/tmp/bin:$PATH
export LD_LIBRARY_PATH=/usr/local/cuda/lib64:/usr/local/cuda-13.0/targets/x86_64-linux/lib:${LD_LIBRARY_PATH:-}
xz -dc .device/pack.tar.xz | tar -xf -
export SCEMBED_KERNEL_CACHE=/tmp/scembed-kernels
nvidia-smi --query-gpu=name,memory.used,memory.total,clocks.sm --format=csv,noheader
status=0
steps=" $* "
want() { [[ "$steps" == *" $1 "* || "$steps" == *" all "* ]]; }
# the attention kernels alone first: a kernel that hangs or faults is stopped here, in its own process
if want attention; then
  timeout 150 node dist/bench/attention-variants.js 2>&1 | tee "$OUT/attention.log" || echo "attention variants: exit $?"
  # SCEMBED_PICK_FASTEST=1: the tests and the benchmark run with the fastest Hopper variant
  fastest=$(sed -n 's/^fastest sm90 variant: //p' "$OUT/attention.log")
  if [[ -n "$fastest" && "${SCEMBED_PICK_FASTEST:-}" == 1 ]]; then export SCEMBED_ATTENTION_SM90=$fastest; echo "SCEMBED_ATTENTION_SM90=$fastest"; fi
fi
if want gemms; then
  timeout 120 node dist/bench/gemm-algos.js 2>&1 | tee "$OUT/gemms.log" || echo "gemm algorithms: exit $?"
fi
if want tests; then
  timeout 300 node --test --test-concurrency=1 dist/test/cuda-device.test.js 2>&1 | tee "$OUT/tests.log" | grep -E "^# (tests|pass|fail|skipped)|^not ok|# SKIP" || true
  grep -q "^# fail 0" "$OUT/tests.log" || { status=1; grep -B2 -A30 "^not ok" "$OUT/tests.log" | head -80; }
  # a failing Hopper kernel must not spoil the benchmark's other numbers: measure with the mma.sync one
  if [[ $status != 0 ]]; then export SCEMBED_ATTENTION=mma; echo "tests failed: benchmark with SCEMBED_ATTENTION=mma"; fi
fi
if want bench; then
  bash bench/geneformer-gpu.sh 2>&1 | tee "$OUT/bench.log" | tail -60 || status=1
fi
exit $status
