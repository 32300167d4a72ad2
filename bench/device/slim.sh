#!/usr/bin/env bash
# The device machine takes at most 64 MiB of working tree (carried .device/ included, ~28 MiB).
# `slim.sh out` moves what the GPU tests and benchmark do not read out of the tree, `slim.sh in`
# puts it back. Run `out`, then the device call, then `in` (`--keep-demo` keeps data/ for the bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
STASH=${SCEMBED_DEVICE_STASH:-/tmp/scembed-device-stash}
AWAY=(test/fixtures/data test/fixtures/scanpy test/fixtures/hvg test/fixtures/gs test/fixtures/gs10k test/fixtures/pca
  test/fixtures/pca_fit test/fixtures/pca-export test/fixtures/lognorm test/fixtures/scvi test/fixtures/zarr-v3
  test/fixtures/anndata-archives)
[[ "${2:-}" == --keep-demo ]] || AWAY+=(data)
case "$1" in
  out) for p in "${AWAY[@]}"; do [ -e "$p" ] && mkdir -p "$STASH/$(dirname "$p")" && mv "$p" "$STASH/$p"; done ;;
  in) for p in "${AWAY[@]}" data; do [ -e "$STASH/$p" ] && mv "$STASH/$p" "$p"; done ;;
  *) echo "usage: slim.sh out [--keep-demo] | in" >&2; exit 2 ;;
esac
du -sh --exclude=.git --exclude=node_modules --exclude=dist . 
