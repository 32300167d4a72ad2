/**
 * `geneformer` (V2 rules: <cls> … <eos>, 4096 input, CLS pooling) and `geneformer-v1` (no special
 * tokens, 2048 input, mean pooling): tokenization is the preparation step (cached per file, keyed
 * by the file's identity, the dictionaries and the rules); embedding runs the BERT encoder on the
 * cached tokens, `emb_layer` −1 (second-to-last layer, the default) or 0 (last). Cells without
 * any known gene get a zero row and `obs['<method>_valid'] = false`.
 *
 * The encoder runs on `device` (init kwarg or SCEMBED_DEVICE: auto | cuda | cpu; the CPU is the
 * fast device, OpenBLAS GEMMs). Cells are batched by `token_budget` tokens (longest first, padded
 * to the batch's longest cell; on the CPU at most CPU_TOKEN_BUDGET, where bigger batches gain
 * nothing); on CUDA an out-of-memory error halves the budget and retries the batch.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { CudaError, InputError } from "../errors.ts";
import { loadBertAsync, type BertModel } from "../models/bert.ts";
import { bertForwardAsync, type Pooling } from "../models/bert-forward.ts";
import { deviceChoice, selectDevice } from "../gpu/select-device.ts";
import { FastCpuDevice } from "../models/fast-cpu-device.ts";
import { loadDictionaries, SHIPPED, type GeneformerDictionaries } from "../models/geneformer-dictionaries.ts";
import type { TokenizerRules } from "../models/geneformer-tokenizer.ts";
import { both } from "./both.ts";
import { tokenize } from "./geneformer-tokenize.ts";
import type { Embedder, EmbeddingMethod, MethodContext } from "./method.ts";
import { paddedBatch, runOverlapped, runSplittingOnOom, tokenBatches } from "./token-batches.ts";

interface Variant {
  name: string;
  rules: TokenizerRules;
  pooling: Pooling;
  defaultTokens: string;
  defaultMedians?: string;
  /** the model folder inside the seed's `geneformer_root` layout */
  rootModel: string;
  rootKey: "geneformer_root" | "geneformer_v1_root";
}

const VARIANTS: Record<string, Variant> = {
  geneformer: {
    name: "geneformer",
    rules: { inputSize: 4096, specialTokens: true },
    pooling: "cls",
    defaultTokens: SHIPPED.v2Tokens,
    rootModel: "Geneformer-V2-104M",
    rootKey: "geneformer_root",
  },
  "geneformer-v1": {
    name: "geneformer-v1",
    rules: { inputSize: 2048, specialTokens: false },
    pooling: "mean",
    defaultTokens: SHIPPED.v1Tokens,
    defaultMedians: SHIPPED.v1Medians,
    rootModel: "geneformer-12L-30M",
    rootKey: "geneformer_v1_root",
  },
};

/** loaded models (their loads, while under way) by device and folder */
const models = new Map<string, Promise<BertModel>>();

/** tokens per CUDA batch: 64 cells of 2048 tokens, 24 of 4096 with padding; B×T×F activations of a few hundred MB */
const DEFAULT_TOKEN_BUDGET = 131072;
/** tokens per CPU batch: GEMMs of thousands of rows are as fast per row as larger ones, and the
 * activations stay small (V2-104M: ~300 MB) */
export const CPU_TOKEN_BUDGET = 8192;

/** a path option; "" counts as unset */
const path = z
  .string()
  .optional()
  .transform((v) => v || undefined);
const options = z.object({
  /** a folder with config.json and model.safetensors or pytorch_model.bin */
  model_dir: path,
  /** the seed's layouts: <root>/Geneformer-V2-104M (geneformer), <root>/geneformer-12L-30M (geneformer-v1) */
  geneformer_root: path,
  geneformer_v1_root: path,
  token_dictionary_file: path,
  gene_median_file: path,
  gene_mapping_file: path,
  /** −1: second-to-last layer; 0: last (the range is checked against the model) */
  emb_layer: z.number().int().max(0).default(-1),
  /** the variant's own by default: cls (V2), mean (V1) */
  pooling: z.enum(["cls", "mean"]).optional(),
  /** auto | cuda | cpu; unset: SCEMBED_DEVICE, else auto */
  device: z.enum(["auto", "cuda", "cpu", "cpu-reference"]).optional(),
  token_budget: z.number().int().positive().default(DEFAULT_TOKEN_BUDGET),
  gpu_retries: z.number().int().positive().default(3),
  gpu_retry_delays_s: z.array(z.number().min(0)).default([30, 60]),
});
type GeneformerOptions = z.output<typeof options>;
type Context = MethodContext<GeneformerOptions>;

function modelDir(ctx: Context, v: Variant): string {
  const root = ctx.options[v.rootKey];
  const dir = ctx.options.model_dir ?? (root ? join(root, v.rootModel) : undefined);
  if (!dir) {
    throw new InputError(`no model directory for ${v.name}`, {
      key: `init_kwargs_${v.name.replace(/-/g, "_")}.model_dir`,
      fix: `download ${v.rootModel} (config.json + model.safetensors or pytorch_model.bin) from huggingface.co/ctheodoris/Geneformer and set ++embedding_gpu.init_kwargs_${v.name.replace(/-/g, "_")}.model_dir=/path/to/${v.rootModel}`,
    });
  }
  return dir;
}

function dictionaries(ctx: Context, v: Variant): GeneformerDictionaries {
  return loadDictionaries({
    tokenDictionary: ctx.options.token_dictionary_file ?? v.defaultTokens,
    geneMedians: ctx.options.gene_median_file ?? v.defaultMedians,
    geneMapping: ctx.options.gene_mapping_file,
  });
}

function timed<T>(ctx: Context, phase: string, fn: () => Promise<T>): Promise<T> {
  return ctx.phases ? ctx.phases.time(phase, fn) : fn();
}

/** The variant's model on the selected device, loaded once per process. */
async function loadModel(ctx: Context, v: Variant): Promise<BertModel> {
  const dir = modelDir(ctx, v);
  if (!existsSync(dir))
    throw new InputError("model directory not found", {
      file: dir,
      fix: `download ${v.rootModel} from huggingface.co/ctheodoris/Geneformer into it`,
    });
  const o = ctx.options;
  // the tokenizer's first reads go first: opening the GPU holds the main thread
  await new Promise((resolve) => setImmediate(resolve));
  const device = await selectDevice(deviceChoice(o.device, `init_kwargs.device`), ctx.log, {
    attempts: o.gpu_retries,
    delaysS: o.gpu_retry_delays_s,
  });
  const key = `${device.name}:${dir}`;
  let model = models.get(key);
  if (!model) {
    models.set(key, (model = loadBertAsync(dir, device)));
    model.catch(() => models.delete(key));
    await model;
    if (device instanceof FastCpuDevice)
      ctx.log.warn(
        `${v.name}: running the transformer on the CPU (GEMMs: ${device.gemmSource}): expect seconds per cell for the V2 models; use a GPU node for real datasets`,
      );
    else ctx.log.info(`${v.name}: model ${dir} on ${device.name}`);
  }
  return model;
}

function geneformerMethod(v: Variant): EmbeddingMethod<GeneformerOptions, "tokens"> {
  return {
    name: v.name,
    hardware: "gpu",
    description: `Geneformer ${v.name === "geneformer" ? "V2" : "V1"} cell embeddings (${v.pooling} pooling)`,
    input: "tokens",
    options,
    requires: ["layers['counts'] (raw counts)", "var['ensembl_id']", "a model directory (init_kwargs.model_dir)"],
    // the width is the model's hidden size, known only once it is loaded
    expectedDim: () => undefined,
    check: async () => ({
      ready: false,
      needs: "init_kwargs.model_dir",
      detail: "tokenizes the raw counts; the model directory is set in the config",
    }),
    async prepareOnly(ctx) {
      const tokens = await tokenize(ctx, v, dictionaries(ctx, v));
      const dropped = tokens.uncropped.reduce((n, x) => n + (x === 0 ? 1 : 0), 0);
      tokens.close();
      return `tokenized ${tokens.nCells} cells (${dropped} without known genes)`;
    },
    async prepare(ctx): Promise<Embedder<"tokens">> {
      // tokenization (worker threads) and the model's load (CUDA init, weights) at once
      const [tokens, model] = await both(
        () => timed(ctx, "tokenize", () => tokenize(ctx, v, dictionaries(ctx, v))),
        () => timed(ctx, "model load", () => loadModel(ctx, v)),
        (t) => t.close(),
        () => ctx.doomed?.(),
      );
      const o = ctx.options;
      const L = model.config.num_hidden_layers;
      if (ctx.configuredDim !== undefined && ctx.configuredDim !== model.config.hidden_size) {
        ctx.log.warn(
          `${v.name}: embedding_dim_map says ${ctx.configuredDim}, the model's hidden size is ${model.config.hidden_size}; using ${model.config.hidden_size}`,
        );
      }
      const embLayer = o.emb_layer;
      if (embLayer < -L)
        throw new InputError(`emb_layer must be between -${L} and 0, got ${embLayer}`, {
          key: "init_kwargs.emb_layer",
        });
      const pooling: Pooling = o.pooling ?? v.pooling;
      const H = model.config.hidden_size;
      const onCpu = model.device.name.startsWith("cpu");
      let budget = onCpu ? Math.min(o.token_budget, CPU_TOKEN_BUDGET) : o.token_budget;
      const special = v.rules.specialTokens;
      const m = model;
      const forward = async (rows: number[], ids: Int32Array, offsets: Int32Array | number[], out: Float32Array) => {
        const { ids: batch, lengths, T } = paddedBatch(rows, ids, offsets, m.config.pad_token_id ?? 0);
        const from = Int32Array.from(rows, () => (special ? 1 : 0));
        const to = Int32Array.from(lengths, (n) => (special ? n - 1 : n));
        const [pooled] = await bertForwardAsync(m, {
          ids: batch,
          lengths,
          B: rows.length,
          T,
          layer: L + embLayer,
          pools: [{ kind: pooling, from, to }],
        });
        rows.forEach((i, j) => out.set(pooled!.subarray(j * H, (j + 1) * H), i * H));
      };
      return {
        dim: H,
        tokens,
        obsColumns: () => [
          { name: `${v.name}_valid`, values: Uint8Array.from(tokens.uncropped, (n) => (n > 0 ? 1 : 0)) },
        ],
        async embed({ tokens: ids, offsets }, out, r0) {
          const lengths = Array.from({ length: offsets.length - 1 }, (_, i) => offsets[i + 1]! - offsets[i]!);
          let done = lengths.filter((n) => n === 0).length;
          // empty cells stay zero rows. Two batches under way on a GPU (it never waits for the host);
          // batch by batch, the pass's progress moves and the event loop runs (a CPU batch takes
          // minutes: timers and SIGTERM are heard between batches)
          await runOverlapped(
            tokenBatches(lengths, budget),
            async (batch) => {
              await new Promise((resolve) => setImmediate(resolve));
              ctx.signal?.throwIfAborted();
              await runSplittingOnOom(
                [batch],
                (rows) => forward(rows, ids, offsets, out),
                (e) => e instanceof CudaError && e.outOfMemory,
                (rows) => {
                  budget = Math.max(1, Math.floor(budget / 2));
                  ctx.log.warn(
                    `${v.name}: GPU out of memory on ${rows.length} cells; token budget halved to ${budget}, retrying`,
                  );
                  m.device.trim?.();
                },
              );
            },
            (batch) => ctx.log.progressTo(r0 + (done += batch.length)),
            // a device that queues work (CUDA) takes the next batch while it runs one; on the CPU a
            // batch is computed when it starts, and one at a time keeps SIGTERM heard after each
            m.device.settle ? 2 : 1,
          );
        },
      };
    },
  };
}

export const geneformer = geneformerMethod(VARIANTS["geneformer"]!);
export const geneformerV1 = geneformerMethod(VARIANTS["geneformer-v1"]!);
