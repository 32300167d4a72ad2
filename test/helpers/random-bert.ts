/**
 * A seeded random BERT written as a model folder our reader loads (config.json +
 * model.safetensors, float32): weights N(0, 0.02²) as HF initializes them, LayerNorm weights
 * U(0.5, 1.5) and biases N(0, 0.1²) so that no op is an identity. For tests and benchmarks.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BertConfig } from "../../src/models/bert.ts";
import { SeededRandom } from "../../src/numerics/random.ts";

export function randomBertConfig(over: Partial<BertConfig>): BertConfig {
  return {
    vocab_size: 100,
    hidden_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    intermediate_size: 128,
    max_position_embeddings: 4096,
    hidden_act: "relu",
    layer_norm_eps: 1e-12,
    pad_token_id: 0,
    ...over,
  };
}

/** writes `dir`/config.json and `dir`/model.safetensors; returns dir */
export function writeRandomBert(dir: string, config: BertConfig, seed: number): string {
  const rng = new SeededRandom(seed);
  const { hidden_size: H, intermediate_size: F } = config;
  const tensors: [string, number[], "w" | "ln" | "b"][] = [
    ["bert.embeddings.word_embeddings.weight", [config.vocab_size, H], "w"],
    ["bert.embeddings.position_embeddings.weight", [config.max_position_embeddings, H], "w"],
    ["bert.embeddings.token_type_embeddings.weight", [2, H], "w"],
    ["bert.embeddings.LayerNorm.weight", [H], "ln"],
    ["bert.embeddings.LayerNorm.bias", [H], "b"],
  ];
  for (let l = 0; l < config.num_hidden_layers; l++) {
    const p = `bert.encoder.layer.${l}`;
    const dense = (name: string, out: number, inF: number) => {
      tensors.push([`${name}.weight`, [out, inF], "w"], [`${name}.bias`, [out], "b"]);
    };
    for (const x of ["query", "key", "value"]) dense(`${p}.attention.self.${x}`, H, H);
    dense(`${p}.attention.output.dense`, H, H);
    tensors.push(
      [`${p}.attention.output.LayerNorm.weight`, [H], "ln"],
      [`${p}.attention.output.LayerNorm.bias`, [H], "b"],
    );
    dense(`${p}.intermediate.dense`, F, H);
    dense(`${p}.output.dense`, H, F);
    tensors.push([`${p}.output.LayerNorm.weight`, [H], "ln"], [`${p}.output.LayerNorm.bias`, [H], "b"]);
  }
  const header: Record<string, unknown> = {};
  const parts: Float32Array[] = [];
  let offset = 0;
  for (const [name, shape, kind] of tensors) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++)
      data[i] = kind === "w" ? 0.02 * rng.normal() : kind === "ln" ? 0.5 + rng.next() : 0.1 * rng.normal();
    header[name] = { dtype: "F32", shape, data_offsets: [offset, offset + 4 * n] };
    parts.push(data);
    offset += 4 * n;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(config, null, 2));
  writeFileSync(
    join(dir, "model.safetensors"),
    Buffer.concat([head, Buffer.from(json), ...parts.map((p) => Buffer.from(p.buffer))]),
  );
  return dir;
}
