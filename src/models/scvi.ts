/**
 * The scVI encoder of a scvi-tools model directory (`model.pt`: `model_state_dict`, `var_names`,
 * `attr_dict`), in eval mode: log1p(counts) → per layer Linear → BatchNorm (running stats,
 * eps 1e-3) → [LayerNorm] → ReLU → mean_encoder = the posterior mean `qz.loc`. Widths and layer
 * counts come from the tensor shapes, not from metadata.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import { asNdArray } from "./pickle.ts";
import type { Sgemm } from "../numerics/native-blas.ts";
import type { Tensor } from "./tensor.ts";
import { readTorchPickle, tensorsOf } from "./torch-checkpoint.ts";

export interface ScviLayer {
  /** nIn × nOut (transposed from PyTorch's out × in), so sparse rows scatter into it; float32 as stored */
  Wt: Float32Array;
  bias: Float64Array;
  /** BatchNorm folded: y = x·scale + shift */
  scale: Float64Array;
  shift: Float64Array;
  layerNorm: boolean;
  nIn: number;
  nOut: number;
}

export interface ScviEncoder {
  varNames: string[];
  layers: ScviLayer[];
  meanWt: Float64Array;
  meanBias: Float64Array;
  nLatent: number;
  logVariational: boolean;
}

const BN_EPS = 1e-3;
const LN_EPS = 1e-5;

function mapGet(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const k of path) cur = cur instanceof Map ? cur.get(k) : undefined;
  return cur;
}

export function readScviModel(dir: string): ScviEncoder {
  const file = join(dir, "model.pt");
  if (!existsSync(file)) {
    throw new InputError("no model.pt in the scVI model directory", {
      file: dir,
      fix: "download the CELLxGENE census scVI model (homo_sapiens, 2024-02-12: s3://cellxgene-contrib-public/models/scvi/2024-02-12/homo_sapiens/modelhub/) and set init_kwargs.model_dir (or scvi_fm.model_dir) to the folder holding model.pt; there is no network access at run time",
    });
  }
  const root = readTorchPickle(file);
  const state = tensorsOf(mapGet(root, "model_state_dict"), file);
  const names = asNdArray(mapGet(root, "var_names"));
  if (!names)
    throw new InputError("model.pt has no var_names", { file, fix: "save the model with scvi-tools (model.save)" });
  const varNames = (names.data as unknown[]).map(String);
  const kwargs = mapGet(root, "attr_dict", "init_params_", "kwargs", "kwargs");
  const useLayerNorm = ["encoder", "both"].includes(String(mapGet(kwargs, "use_layer_norm") ?? "none"));
  const logVariational = mapGet(kwargs, "log_variational") !== false;
  const get = (k: string): Tensor => {
    const t = state.get(k);
    if (!t) throw new InputError(`tensor '${k}' is missing`, { file, fix: "is this an scvi-tools SCVI model?" });
    return t;
  };
  const f64 = (t: Tensor) => Float64Array.from(t.data);
  const layers: ScviLayer[] = [];
  for (let l = 0; state.has(`z_encoder.encoder.fc_layers.Layer ${l}.0.weight`); l++) {
    const p = `z_encoder.encoder.fc_layers.Layer ${l}`;
    const W = get(`${p}.0.weight`);
    const [nOut, nIn] = W.shape as [number, number];
    const Wt = new Float32Array(nIn * nOut);
    for (let o = 0; o < nOut; o++) for (let i = 0; i < nIn; i++) Wt[i * nOut + o] = W.data[o * nIn + i]!;
    const scale = new Float64Array(nOut).fill(1),
      shift = new Float64Array(nOut);
    if (state.has(`${p}.1.running_mean`)) {
      const mean = f64(get(`${p}.1.running_mean`)),
        variance = f64(get(`${p}.1.running_var`));
      const w = f64(get(`${p}.1.weight`)),
        b = f64(get(`${p}.1.bias`));
      for (let o = 0; o < nOut; o++) {
        scale[o] = w[o]! / Math.sqrt(variance[o]! + BN_EPS);
        shift[o] = b[o]! - mean[o]! * scale[o]!;
      }
    }
    layers.push({ Wt, bias: f64(get(`${p}.0.bias`)), scale, shift, layerNorm: useLayerNorm, nIn, nOut });
  }
  if (layers.length === 0)
    throw new InputError("no encoder layers (z_encoder.encoder.fc_layers) in model.pt", { file });
  if (layers[0]!.nIn !== varNames.length) {
    throw new InputError(
      `the encoder takes ${layers[0]!.nIn} inputs for ${varNames.length} genes: the model encodes covariates (encode_covariates=True), which is not supported yet`,
      { file },
    );
  }
  const M = get("z_encoder.mean_encoder.weight");
  const [nLatent, nHidden] = M.shape as [number, number];
  const meanWt = new Float64Array(nHidden * nLatent);
  for (let o = 0; o < nLatent; o++)
    for (let i = 0; i < nHidden; i++) meanWt[i * nLatent + o] = M.data[o * nHidden + i]!;
  return { varNames, layers, meanWt, meanBias: f64(get("z_encoder.mean_encoder.bias")), nLatent, logVariational };
}

/**
 * Latent means of a block: `x` as CSR counts; `rowOf[c]` = model gene of var column c (or -1).
 * Returns rows × nLatent in `out`.
 */
export function encodeBlock(
  enc: ScviEncoder,
  indptr: Int32Array,
  indices: Int32Array,
  data: Float32Array,
  rows: number,
  rowOf: Int32Array,
  out: Float32Array,
): void {
  const first = enc.layers[0]!;
  const nOut = first.nOut;
  const h = new Float64Array(nOut);
  for (let r = 0; r < rows; r++) {
    // layer 0: sparse log1p(x) · Wᵀ (finish() transforms h in place; it is reset here)
    h.set(first.bias);
    for (let k = indptr[r]!; k < indptr[r + 1]!; k++) {
      const g = rowOf[indices[k]!]!;
      if (g < 0) continue;
      const x = enc.logVariational ? Math.log1p(data[k]!) : data[k]!;
      const Wt = first.Wt,
        base = g * nOut;
      for (let o = 0; o < nOut; o++) h[o]! += x * Wt[base + o]!;
    }
    latent(enc, deeper(enc, finish(first, h)), out.subarray(r * enc.nLatent, (r + 1) * enc.nLatent));
  }
}

/**
 * The same as encodeBlock with the first layer as a native GEMM on dense sub-blocks of the
 * present genes: A (rows × P, log1p counts) · Wp (P × nOut). `colOf[c]` = column of var column c
 * among the P present genes; `Wp` holds their rows of Wᵀ.
 */
export function encodeBlockGemm(
  enc: ScviEncoder,
  x: { indptr: Int32Array; indices: Int32Array; data: Float32Array; rows: number },
  colOf: Int32Array,
  Wp: Float32Array,
  P: number,
  sgemm: Sgemm,
  out: Float32Array,
): void {
  const first = enc.layers[0]!;
  const nOut = first.nOut,
    SUB = 1024;
  const A = new Float32Array(Math.min(SUB, x.rows) * P),
    C = new Float32Array(Math.min(SUB, x.rows) * nOut);
  for (let s0 = 0; s0 < x.rows; s0 += SUB) {
    const rows = Math.min(SUB, x.rows - s0);
    A.fill(0, 0, rows * P);
    for (let r = 0; r < rows; r++) {
      for (let k = x.indptr[s0 + r]!; k < x.indptr[s0 + r + 1]!; k++) {
        const c = colOf[x.indices[k]!]!;
        if (c >= 0) A[r * P + c] = enc.logVariational ? Math.log1p(x.data[k]!) : x.data[k]!;
      }
    }
    sgemm(rows, nOut, P, A.subarray(0, rows * P), Wp, C.subarray(0, rows * nOut));
    const h = new Float64Array(nOut);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < nOut; o++) h[o] = C[r * nOut + o]! + first.bias[o]!;
      const cur = deeper(enc, finish(first, h));
      latent(enc, cur, out.subarray((s0 + r) * enc.nLatent, (s0 + r + 1) * enc.nLatent));
    }
  }
}

function deeper(enc: ScviEncoder, h: Float64Array): Float64Array {
  let cur = h;
  for (let l = 1; l < enc.layers.length; l++) {
    const L = enc.layers[l]!;
    const next = Float64Array.from(L.bias);
    for (let i = 0; i < L.nIn; i++) {
      const v = cur[i]!;
      if (v === 0) continue;
      for (let o = 0; o < L.nOut; o++) next[o]! += v * L.Wt[i * L.nOut + o]!;
    }
    cur = finish(L, next);
  }
  return cur;
}

function latent(enc: ScviEncoder, cur: Float64Array, z: Float32Array): void {
  for (let o = 0; o < enc.nLatent; o++) {
    let s = enc.meanBias[o]!;
    for (let i = 0; i < cur.length; i++) s += cur[i]! * enc.meanWt[i * enc.nLatent + o]!;
    z[o] = s;
  }
}

/** BatchNorm (folded) → [LayerNorm] → ReLU, in place. */
function finish(L: ScviLayer, h: Float64Array): Float64Array {
  for (let o = 0; o < L.nOut; o++) h[o] = h[o]! * L.scale[o]! + L.shift[o]!;
  if (L.layerNorm) {
    let mean = 0;
    for (const v of h) mean += v;
    mean /= h.length;
    let variance = 0;
    for (const v of h) variance += (v - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / h.length + LN_EPS);
    for (let o = 0; o < h.length; o++) h[o] = (h[o]! - mean) * inv;
  }
  for (let o = 0; o < h.length; o++) if (h[o]! < 0) h[o] = 0;
  return h;
}
