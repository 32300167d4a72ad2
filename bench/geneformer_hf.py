"""Hugging Face transformers side of the Geneformer GPU benchmark (runs on the GPU machine).

  make MODELS_DIR CONFIG_DIR          random-init BertForMaskedLM (seed 0) with the exact V2-104M and
                                      V1-10M configs, saved as model.safetensors
  run MODEL_DIR TOKENS POOLING BATCHES OUT_JSON REF_PREFIX
                                      TOKENS: a prefix of <p>.ids.npy + <p>.offsets.npy, or one of
                                      scembed's token-cache files (*.tokens); REF_PREFIX "-": no reference
                                      BertModel in bf16 with SDPA attention, cells sorted by length
                                      (longest first, as Geneformer's extractor), padded per batch,
                                      hidden_states[L-1] (emb_layer -1), CLS or masked mean; one timed
                                      pass per batch size after a warm-up; then fp32 outputs (TF32 off)
                                      of 256 cells spread over the set, the accuracy reference.
"""
import json
import sys
import time

import numpy as np
import torch
from transformers import BertConfig, BertForMaskedLM, BertModel


def make(models_dir, config_dir):
    for name in ["V2-104M", "V1-10M"]:
        torch.manual_seed(0)
        model = BertForMaskedLM(BertConfig.from_json_file(f"{config_dir}/config_{name}.json"))
        model.save_pretrained(f"{models_dir}/{name}", safe_serialization=True)
        print(f"{name}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")


def load(model_dir, dtype, attn):
    try:
        m = BertModel.from_pretrained(model_dir, dtype=dtype, attn_implementation=attn, add_pooling_layer=False)
    except TypeError:
        m = BertModel.from_pretrained(model_dir, torch_dtype=dtype, attn_implementation=attn, add_pooling_layer=False)
    return m.cuda().eval()


def embed(model, cells, pooling, layer):
    T = max(len(c) for c in cells)
    ids = torch.zeros((len(cells), T), dtype=torch.long)
    mask = torch.zeros((len(cells), T), dtype=torch.long)
    for i, c in enumerate(cells):
        ids[i, : len(c)] = torch.from_numpy(c)
        mask[i, : len(c)] = 1
    ids, mask = ids.cuda(non_blocking=True), mask.cuda(non_blocking=True)
    hs = model(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[layer]
    if pooling == "cls":
        return hs[:, 0, :]
    m = mask.unsqueeze(-1).to(hs.dtype)
    return (hs * m).sum(1) / m.sum(1)


def read_cells(prefix):
    if prefix.endswith(".tokens"):  # "SCEMTOK1" | u32 n | u32 | f64 nTokens | i32 lengths[n] | i32 uncropped[n] | i32 tokens
        raw = open(prefix, "rb").read()
        n = int(np.frombuffer(raw, np.uint32, 1, 8)[0])
        lengths = np.frombuffer(raw, np.int32, n, 24)
        ids = np.frombuffer(raw, np.int32, int(lengths.sum()), 24 + 8 * n)
        offsets = np.concatenate([[0], np.cumsum(lengths)])
    else:
        ids = np.load(f"{prefix}.ids.npy")
        offsets = np.load(f"{prefix}.offsets.npy")
    return [ids[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)]


def run(model_dir, prefix, pooling, batches, out_json, ref_prefix):
    cells = read_cells(prefix)
    order = sorted(range(len(cells)), key=lambda i: -len(cells[i]))
    torch.backends.cuda.matmul.allow_tf32 = True
    model = load(model_dir, torch.bfloat16, "sdpa")
    L = model.config.num_hidden_layers
    result = {"cells": len(cells), "batches": {}}
    with torch.inference_mode():
        for bs in [int(b) for b in batches.split(",")]:
            for s in range(0, min(len(order), 3 * bs), bs):
                embed(model, [cells[i] for i in order[s : s + bs]], pooling, L - 1)
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            for s in range(0, len(order), bs):
                embed(model, [cells[i] for i in order[s : s + bs]], pooling, L - 1).float().cpu()
            torch.cuda.synchronize()
            dt = time.perf_counter() - t0
            result["batches"][bs] = {"seconds": dt, "cells_per_s": len(cells) / dt}
            print(f"HF bf16 sdpa batch {bs}: {len(cells) / dt:.0f} cells/s ({dt:.1f} s)", flush=True)
        del model
        torch.cuda.empty_cache()
        if ref_prefix == "-":
            json.dump(result, open(out_json, "w"))
            return
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        ref_model = load(model_dir, torch.float32, "eager")
        sample = np.linspace(0, len(cells) - 1, 256).astype(np.int64)
        refs = [embed(ref_model, [cells[i] for i in sample[s : s + 16]], pooling, L - 1).cpu().numpy() for s in range(0, len(sample), 16)]
    np.save(f"{ref_prefix}.index.npy", sample)
    np.save(f"{ref_prefix}.emb.npy", np.concatenate(refs).astype(np.float32))
    json.dump(result, open(out_json, "w"))


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(*sys.argv[2:4])
    else:
        run(*sys.argv[2:8])
