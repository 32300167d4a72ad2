/**
 * A BERT encoder (Geneformer's architecture): its config and weights, read from a Hugging Face
 * model folder (safetensors or a PyTorch checkpoint) onto a Device. The forward pass, a flat
 * sequence of named ops, is in bert-forward.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.ts";
import type { Device, DTensor } from "./device.ts";
import { parseSafetensors } from "./safetensors.ts";
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
  const steps = loadSteps(dir, device);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    step = steps.next(step.value.read ? readFileSync(step.value.read) : undefined);
  }
}

/**
 * The same, with the event loop free while the weights file is read (on libuv's pool) and between
 * the layers' uploads: a model loaded while a file is tokenized no longer stalls the tokenizer's reads.
 */
export async function loadBertAsync(dir: string, device: Device): Promise<BertModel> {
  const steps = loadSteps(dir, device);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    const bytes = step.value.read ? await readFile(step.value.read) : undefined;
    if (!bytes) await new Promise((resolve) => setImmediate(resolve));
    step = steps.next(bytes);
  }
}

/** a pause of the load: for the caller to read `read` (handing its bytes back), or a turn for the event loop */
interface LoadPause {
  read?: string;
}

function* loadSteps(dir: string, device: Device): Generator<LoadPause, BertModel, Buffer | undefined> {
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
  let weights;
  if (weightsFile === st) {
    const bytes = yield { read: st };
    weights = parseSafetensors(bytes!, st);
  } else weights = readTorchCheckpoint(bin);
  yield {};
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
    yield {};
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
