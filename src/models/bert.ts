/**
 * A BERT encoder (Geneformer's architecture) as a flat sequence of named ops on a Device:
 * embeddings → LayerNorm → per layer [stacked q|k|v projection → attention → output dense →
 * LayerNorm(· + residual) → intermediate with activation → output dense → LayerNorm(· + residual)]
 * → pooling. It stops at the layer asked for (`hidden_states[layer]`, 0 = the embedding output), so later layers cost nothing.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import type { Activation, Device, DTensor } from "./device.ts";
import { readSafetensors } from "./safetensors.ts";
import { readTorchCheckpoint } from "./torch-checkpoint.ts";

export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  hidden_act: string;
  layer_norm_eps: number;
  pad_token_id?: number;
}

interface Layer {
  /** query, key and value projections stacked: (3H × H) weights, 3H biases */
  qkv: [DTensor, DTensor];
  attnOut: [DTensor, DTensor];
  attnNorm: [DTensor, DTensor];
  inter: [DTensor, DTensor];
  out: [DTensor, DTensor];
  outNorm: [DTensor, DTensor];
}

export interface BertModel {
  config: BertConfig;
  device: Device;
  weightsFile: string;
  word: DTensor;
  pos: DTensor;
  type0: DTensor;
  embNorm: [DTensor, DTensor];
  layers: Layer[];
}

/** Reads config.json and model.safetensors (preferred) or pytorch_model.bin from a model directory. */
export function loadBert(dir: string, device: Device): BertModel {
  const configPath = join(dir, "config.json");
  if (!existsSync(configPath)) {
    throw new InputError("no config.json in the model directory", {
      file: dir,
      fix: "download the Geneformer model folder (config.json + model.safetensors or pytorch_model.bin) from huggingface.co/ctheodoris/Geneformer and set init_kwargs.model_dir to it",
    });
  }
  const config = JSON.parse(readFileSync(configPath, "utf8")) as BertConfig;
  const st = join(dir, "model.safetensors"),
    bin = join(dir, "pytorch_model.bin");
  const weightsFile = existsSync(st) ? st : existsSync(bin) ? bin : undefined;
  if (!weightsFile) {
    throw new InputError("no model.safetensors or pytorch_model.bin in the model directory", {
      file: dir,
      fix: "download the weights of the Geneformer model (huggingface.co/ctheodoris/Geneformer) into this folder; there is no network access at run time",
    });
  }
  const weights = weightsFile === st ? readSafetensors(st) : readTorchCheckpoint(bin);
  const raw = (name: string) => {
    const w = weights.get(name) ?? weights.get(name.replace(/^bert\./, ""));
    if (!w)
      throw new InputError(`weight '${name}' is missing`, {
        file: weightsFile,
        fix: "is this a BERT (BertForMaskedLM / BertModel) checkpoint?",
      });
    return w;
  };
  const get = (name: string): DTensor => {
    const w = raw(name);
    return device.upload(w.data, w.shape);
  };
  const stacked = (prefixes: string[]): [DTensor, DTensor] => {
    const ws = prefixes.map((p) => raw(`${p}.weight`)),
      bs = prefixes.map((p) => raw(`${p}.bias`));
    const cat = (parts: { data: Float32Array }[]) => {
      const out = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
      let offset = 0;
      for (const p of parts) {
        out.set(p.data, offset);
        offset += p.data.length;
      }
      return out;
    };
    const rows = ws.reduce((n, w) => n + w.shape[0]!, 0);
    return [device.upload(cat(ws), [rows, ws[0]!.shape[1]!]), device.upload(cat(bs), [rows])];
  };
  const pair = (prefix: string): [DTensor, DTensor] => [get(`${prefix}.weight`), get(`${prefix}.bias`)];
  const norm = (prefix: string): [DTensor, DTensor] => [get(`${prefix}.weight`), get(`${prefix}.bias`)];
  const typeEmb =
    weights.get("bert.embeddings.token_type_embeddings.weight") ??
    weights.get("embeddings.token_type_embeddings.weight");
  if (!typeEmb) throw new InputError("token type embeddings are missing", { file: weightsFile });
  const layers: Layer[] = [];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    layers.push({
      qkv: stacked(["query", "key", "value"].map((x) => `${p}.attention.self.${x}`)),
      attnOut: pair(`${p}.attention.output.dense`),
      attnNorm: norm(`${p}.attention.output.LayerNorm`),
      inter: pair(`${p}.intermediate.dense`),
      out: pair(`${p}.output.dense`),
      outNorm: norm(`${p}.output.LayerNorm`),
    });
  }
  return {
    config,
    device,
    weightsFile,
    word: get("bert.embeddings.word_embeddings.weight"),
    pos: get("bert.embeddings.position_embeddings.weight"),
    type0: device.upload(typeEmb.data.slice(0, config.hidden_size), [config.hidden_size]),
    embNorm: norm("bert.embeddings.LayerNorm"),
    layers,
  };
}

export type Pooling = "cls" | "mean";

export interface ForwardRequest {
  /** B × T token ids, padded with pad_token_id past each row's length */
  ids: Int32Array;
  lengths: Int32Array;
  B: number;
  T: number;
  /** which hidden state: 0 = embeddings, L = last layer */
  layer: number;
  /** one pooled output per entry; mean pools positions [from, to) of each row (default: all) */
  pools: PoolSpec[];
}

export interface PoolSpec {
  kind: Pooling;
  from?: Int32Array;
  to?: Int32Array;
}

function activationOf(name: string): Activation {
  if (name === "relu") return "relu";
  if (name === "gelu" || name === "gelu_new" || name === "gelu_python") return "gelu";
  throw new InputError(`hidden_act '${name}' is not supported`, { key: "config.hidden_act" });
}

/** Returns one B × H float32 array per requested pooling. */
export function bertForward(model: BertModel, req: ForwardRequest): Float32Array[] {
  return enqueueForward(model, req).take();
}

/**
 * The same, with the event loop free while the device computes (a CUDA device: its queue is
 * polled, not waited on), so that the output store's creation and other I/O go on meanwhile.
 */
export async function bertForwardAsync(model: BertModel, req: ForwardRequest): Promise<Float32Array[]> {
  const pending = enqueueForward(model, req);
  try {
    await model.device.settle?.();
  } catch (err) {
    pending.release();
    throw err;
  }
  return pending.take();
}

interface PendingForward {
  /** downloads the pooled outputs (waiting for the device) and frees the batch's tensors */
  take(): Float32Array[];
  release(): void;
}

/** Queues one batch on the device; the outputs are read by `take`. */
function enqueueForward(model: BertModel, req: ForwardRequest): PendingForward {
  const { device: dev, config: c } = model;
  const { B, T } = req;
  const H = c.hidden_size,
    F = c.intermediate_size;
  const act = activationOf(c.hidden_act);
  const temps: DTensor[] = [];
  const release = () => {
    for (const x of temps) dev.free(x);
  };
  const later = (read: () => Float32Array[]): PendingForward => ({
    take: () => {
      try {
        return read();
      } finally {
        release();
      }
    },
    release,
  });
  const alloc = (shape: number[]) => {
    const x = dev.alloc(shape);
    temps.push(x);
    return x;
  };
  try {
    const h = alloc([B, T, H]);
    const emb = alloc([B, T, H]);
    dev.embed(req.ids, B, T, model.word, model.pos, model.type0, emb);
    dev.layerNorm(emb, undefined, model.embNorm[0], model.embNorm[1], c.layer_norm_eps, h);
    const qkv = alloc([B, T, 3 * H]),
      ctx = alloc([B, T, H]),
      proj = alloc([B, T, H]),
      h1 = alloc([B, T, H]),
      inter = alloc([B, T, F]);
    // When only <cls> is pooled, the last layer needs every key and value but only the first query:
    // its attention, projections and feed-forward run for one row per cell.
    const clsOnly = req.layer > 0 && req.pools.every((p) => p.kind === "cls");
    const full = clsOnly ? req.layer - 1 : req.layer;
    for (let l = 0; l < full; l++) {
      const L = model.layers[l]!;
      dev.linear(h, L.qkv[0], L.qkv[1], qkv);
      dev.attention(qkv, req.lengths, c.num_attention_heads, ctx);
      dev.linear(ctx, L.attnOut[0], L.attnOut[1], proj);
      dev.layerNorm(proj, h, L.attnNorm[0], L.attnNorm[1], c.layer_norm_eps, h1);
      dev.linear(h1, L.inter[0], L.inter[1], inter, act);
      dev.linear(inter, L.out[0], L.out[1], proj);
      dev.layerNorm(proj, h1, L.outNorm[0], L.outNorm[1], c.layer_norm_eps, h);
    }
    if (clsOnly) {
      const L = model.layers[full]!;
      const row = () => alloc([B, H]);
      const ctx0 = row(),
        h0 = row(),
        proj0 = row(),
        mid0 = row(),
        out0 = row(),
        inter0 = alloc([B, F]);
      dev.linear(h, L.qkv[0], L.qkv[1], qkv);
      dev.attention(qkv, req.lengths, c.num_attention_heads, ctx, 1);
      dev.firstTokenPool(ctx, ctx0);
      dev.firstTokenPool(h, h0);
      dev.linear(ctx0, L.attnOut[0], L.attnOut[1], proj0);
      dev.layerNorm(proj0, h0, L.attnNorm[0], L.attnNorm[1], c.layer_norm_eps, mid0);
      dev.linear(mid0, L.inter[0], L.inter[1], inter0, act);
      dev.linear(inter0, L.out[0], L.out[1], proj0);
      dev.layerNorm(proj0, mid0, L.outNorm[0], L.outNorm[1], c.layer_norm_eps, out0);
      return later(() => {
        const cls = Float32Array.from(dev.download(out0));
        return req.pools.map(() => cls);
      });
    }
    const pooled = req.pools.map((p) => {
      const out = alloc([B, H]);
      if (p.kind === "cls") dev.firstTokenPool(h, out);
      else dev.meanPool(h, p.from ?? new Int32Array(B), p.to ?? req.lengths, out);
      return out;
    });
    return later(() => pooled.map((x) => Float32Array.from(dev.download(x))));
  } catch (err) {
    release();
    throw err;
  }
}
