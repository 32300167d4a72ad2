"""The PyTorch peer of the Geneformer CPU benchmark: a minimal post-LN BERT in plain torch
(no transformers; eager attention with an additive key mask, as HF's eager path), batched as
scembed batches (cells sorted longest first, token-budget batches padded to their longest cell),
torch.set_num_threads(2).

  check FIXTURES_GENEFORMER_DIR                          HF fixture embeddings (tinyV1 / tinyV2, 96 cells)
  run MODEL_DIR TOKENS_PREFIX cls|mean SPECIAL OUT.npy   emb_layer -1, writes OUT.npy, prints JSON
"""
import json, math, sys, time
from pathlib import Path

import numpy as np
import torch

torch.set_num_threads(2)
BUDGET = 8192  # scembed's CPU_TOKEN_BUDGET


def load_weights(model_dir: Path) -> dict:
    if (model_dir / "pytorch_model.bin").exists():
        return torch.load(model_dir / "pytorch_model.bin", map_location="cpu")
    raw = (model_dir / "model.safetensors").read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header, base, out = json.loads(raw[8:8 + size]), 8 + size, {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(raw, "<f4", (end - begin) // 4, base + begin).reshape(e["shape"]).copy())
    return out


def forward(p: dict, c: dict, ids: torch.Tensor, lengths: torch.Tensor, layers: int) -> torch.Tensor:
    """B x T ids (padded) -> B x T x H hidden states after `layers` layers."""
    B, T = ids.shape
    eps, heads, H = c["layer_norm_eps"], c["num_attention_heads"], c["hidden_size"]
    act = torch.relu if c["hidden_act"] == "relu" else torch.nn.functional.gelu
    norm = lambda x, n: torch.nn.functional.layer_norm(x, (H,), p[f"{n}.weight"], p[f"{n}.bias"], eps)
    dense = lambda x, n: torch.nn.functional.linear(x, p[f"{n}.weight"], p[f"{n}.bias"])
    e = "bert.embeddings"
    h = p[f"{e}.word_embeddings.weight"][ids] + p[f"{e}.position_embeddings.weight"][:T] + p[f"{e}.token_type_embeddings.weight"][0]
    h = norm(h, f"{e}.LayerNorm")
    keep = torch.arange(T)[None, :] < lengths[:, None]
    bias = torch.zeros(B, 1, 1, T).masked_fill(~keep[:, None, None, :], torch.finfo(torch.float32).min)
    split = lambda x: x.view(B, T, heads, -1).transpose(1, 2)
    for layer in range(layers):
        a = f"bert.encoder.layer.{layer}"
        q, k, v = (split(dense(h, f"{a}.attention.self.{n}")) for n in ("query", "key", "value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + bias, dim=-1)
        ctx = (probs @ v).transpose(1, 2).reshape(B, T, H)
        h = norm(dense(ctx, f"{a}.attention.output.dense") + h, f"{a}.attention.output.LayerNorm")
        h = norm(dense(act(dense(h, f"{a}.intermediate.dense")), f"{a}.output.dense") + h, f"{a}.output.LayerNorm")
    return h


def batches(lengths: np.ndarray, budget: int):
    order = sorted((i for i in range(len(lengths)) if lengths[i] > 0), key=lambda i: (-lengths[i], i))
    i = 0
    while i < len(order):
        n = max(1, min(budget // lengths[order[i]], len(order) - i))
        yield order[i:i + n]
        i += n


def embed(model_dir: Path, ids: np.ndarray, offsets: np.ndarray, kinds: list, special: bool, layers: int) -> list:
    c = json.loads((model_dir / "config.json").read_text())
    p = load_weights(model_dir)
    lengths = np.diff(offsets)
    outs = [np.zeros((len(lengths), c["hidden_size"]), np.float32) for _ in kinds]
    with torch.no_grad():
        for rows in batches(lengths, BUDGET):
            lens = torch.tensor([int(lengths[i]) for i in rows])
            T = int(lens.max())
            batch = torch.full((len(rows), T), c.get("pad_token_id", 0), dtype=torch.long)
            for j, i in enumerate(rows):
                batch[j, :lens[j]] = torch.from_numpy(ids[offsets[i]:offsets[i + 1]].astype(np.int64))
            h = forward(p, c, batch, lens, layers)
            for out, kind in zip(outs, kinds):
                for j, i in enumerate(rows):
                    n = int(lens[j])
                    out[i] = (h[j, 0] if kind == "cls" else h[j, 1:n - 1].mean(0) if special else h[j, :n].mean(0)).numpy()
    return outs


def check(gf: Path) -> None:
    result = {}
    for model, mode, kinds, special in (("tinyV1/bin", "v1", ["mean"], False), ("tinyV2/safetensors", "v2", ["cls", "mean"], True)):
        ids = np.load(gf / f"pbmc_10x_3chem.{mode}.first96.input_ids.npy")
        offsets = np.load(gf / f"pbmc_10x_3chem.{mode}.first96.offsets.npy")
        L = json.loads((gf / "models" / model / "config.json").read_text())["num_hidden_layers"]
        for emb_layer in (-1, 0):
            outs = embed(gf / "models" / model, ids, offsets, kinds, special, L + emb_layer)
            for kind, out in zip(kinds, outs):
                want = np.load(gf / "embeddings" / f"pbmc_10x_3chem.{mode}.emb.{kind}.layer{emb_layer}.npy")
                result[f"{model.split('/')[0]} {kind} emb_layer {emb_layer}"] = float(np.abs(out - want).max())
    print(json.dumps(result))


def run(model_dir: str, prefix: str, kind: str, special: str, out_path: str) -> None:
    ids, offsets = np.load(f"{prefix}.ids.npy"), np.load(f"{prefix}.offsets.npy")
    L = json.loads((Path(model_dir) / "config.json").read_text())["num_hidden_layers"]
    t0 = time.time()
    (out,) = embed(Path(model_dir), ids, offsets, [kind], special == "1", L - 1)
    seconds = time.time() - t0
    np.save(out_path, out)
    print(json.dumps({"seconds": seconds, "cells": len(offsets) - 1, "torch": torch.__version__}))


if __name__ == "__main__":
    check(Path(sys.argv[2])) if sys.argv[1] == "check" else run(*sys.argv[2:7])
