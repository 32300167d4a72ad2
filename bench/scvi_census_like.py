"""Writes a census-like scVI model.pt for the scvi_fm benchmark, with Debian's torch.

The layout of scvi-tools' model.save(): {'model_state_dict', 'var_names' (numpy object array),
'attr_dict' (init_params_.kwargs.kwargs)}; the encoder of the CELLxGENE census model: n_genes
-> 128 (Linear, BatchNorm eps 1e-3 with running stats, ReLU) -> 50 (mean and var encoders).
Random weights, seeded; randomized BatchNorm statistics so that eval mode matters. Only the
encoder's tensors are written (the benchmark encodes; the decoder is never read).
usage: /usr/bin/python3 bench/scvi_census_like.py OUT_DIR [N_GENES] [GENE_IDS_FILE]
(GENE_IDS_FILE: one id a line, the model's genes; default ENSG00000000001 …)
"""
import os
import sys

import numpy as np
import torch

out, n_genes = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8000
torch.manual_seed(0)
n_hidden, n_latent = 128, 50
first = torch.nn.Linear(n_genes, n_hidden)
bn = torch.nn.BatchNorm1d(n_hidden, eps=1e-3)
with torch.no_grad():
    bn.running_mean.uniform_(-0.5, 0.5)
    bn.running_var.uniform_(0.5, 2.0)
    bn.weight.uniform_(0.5, 1.5)
    bn.bias.uniform_(-0.2, 0.2)
mean_enc, var_enc = torch.nn.Linear(n_hidden, n_latent), torch.nn.Linear(n_hidden, n_latent)
state = {}
for name, module in [("z_encoder.encoder.fc_layers.Layer 0.0", first), ("z_encoder.encoder.fc_layers.Layer 0.1", bn),
                     ("z_encoder.mean_encoder", mean_enc), ("z_encoder.var_encoder", var_enc)]:
    for k, v in module.state_dict().items():
        state[f"{name}.{k}"] = v
if len(sys.argv) > 3:
    with open(sys.argv[3]) as f:
        genes = np.array([line.strip() for line in f if line.strip()][:n_genes], dtype=object)
    assert len(genes) == n_genes, f"{sys.argv[3]} has fewer than {n_genes} ids"
else:
    genes = np.array([f"ENSG{i:011d}" for i in range(1, n_genes + 1)], dtype=object)
kwargs = {"n_hidden": n_hidden, "n_latent": n_latent, "n_layers": 1, "encode_covariates": False,
          "use_layer_norm": "none", "use_batch_norm": "both", "log_variational": True}
os.makedirs(out, exist_ok=True)
torch.save({"model_state_dict": state, "var_names": genes, "attr_dict": {"init_params_": {"kwargs": {"kwargs": kwargs}}}},
           os.path.join(out, "model.pt"))
print(os.path.join(out, "model.pt"))
