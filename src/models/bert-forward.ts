/**
 * The BERT encoder's forward pass (Geneformer's architecture) as a flat sequence of named ops on a
 * Device: embeddings → LayerNorm → per layer [stacked q|k|v projection → attention → output dense
 * → LayerNorm(· + residual) → intermediate with activation → output dense → LayerNorm(· +
 * residual)] → pooling; the residual is summed by the GEMM where the device says it is free there.
 * It stops at the layer asked for (`hidden_states[layer]`, 0 = the embedding output), so later
 * layers cost nothing.
 */
import { InputError } from "../errors.ts";
import type { BertModel } from "./bert.ts";
import type { Activation, DTensor } from "./device.ts";

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
 * The batch is queued when this is called; a next batch queued before it resolves runs right
 * after it on the device (the outputs are read without waiting for that one: runOverlapped).
 */
export async function bertForwardAsync(model: BertModel, req: ForwardRequest): Promise<Float32Array[]> {
  const pending = enqueueForward(model, req);
  try {
    await model.device.settle?.();
  } catch (err) {
    pending.release();
    throw err;
  }
  return pending.take(true);
}

interface PendingForward {
  /** downloads the pooled outputs (waiting for the device, unless `settled`) and frees the batch's tensors */
  take(settled?: boolean): Float32Array[];
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
  const later = (read: (download: (x: DTensor) => Float32Array) => Float32Array[]): PendingForward => ({
    take: (settled = false) => {
      try {
        return read((x) => (settled && dev.downloadSettled ? dev.downloadSettled(x) : dev.download(x)));
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
    // out = LayerNorm(x·Wᵀ + b + residual): the residual summed by the GEMM or by the LayerNorm
    const projectNorm = (
      x: DTensor,
      W: [DTensor, DTensor],
      residual: DTensor,
      norm: [DTensor, DTensor],
      out: DTensor,
      tmp: DTensor,
    ) => {
      const inGemm = dev.residualInLinear?.(x.shape[x.shape.length - 1]!) ?? false;
      dev.linear(x, W[0], W[1], tmp, undefined, inGemm ? residual : undefined);
      dev.layerNorm(tmp, inGemm ? undefined : residual, norm[0], norm[1], c.layer_norm_eps, out);
    };
    const full = clsOnly ? req.layer - 1 : req.layer;
    for (let l = 0; l < full; l++) {
      const L = model.layers[l]!;
      dev.linear(h, L.qkv[0], L.qkv[1], qkv);
      dev.attention(qkv, req.lengths, c.num_attention_heads, ctx);
      projectNorm(ctx, L.attnOut, h, L.attnNorm, h1, proj);
      dev.linear(h1, L.inter[0], L.inter[1], inter, act);
      projectNorm(inter, L.out, h1, L.outNorm, h, proj);
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
      projectNorm(ctx0, L.attnOut, h0, L.attnNorm, mid0, proj0);
      dev.linear(mid0, L.inter[0], L.inter[1], inter0, act);
      projectNorm(inter0, L.out, mid0, L.outNorm, out0, proj0);
      return later((download) => {
        const cls = Float32Array.from(download(out0));
        return req.pools.map(() => cls);
      });
    }
    const pooled = req.pools.map((p) => {
      const out = alloc([B, H]);
      if (p.kind === "cls") dev.firstTokenPool(h, out);
      else dev.meanPool(h, p.from ?? new Int32Array(B), p.to ?? req.lengths, out);
      return out;
    });
    return later((download) => pooled.map((x) => Float32Array.from(download(x))));
  } catch (err) {
    release();
    throw err;
  }
}
