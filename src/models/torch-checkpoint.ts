/**
 * Reads `pytorch_model.bin` (torch.save's zip format): `<stem>/data.pkl` is a pickle whose
 * persistent ids name storages stored raw in `<stem>/data/<key>`; tensors are rebuilt as
 * (storage, offset, size, stride) views. Only a state_dict of float tensors is needed here.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { type GlobalRef, readPickle } from "./pickle.ts";
import { toFloat32, type Tensor, type Weights } from "./tensor.ts";
import { readZip } from "./zip-reader.ts";

const STORAGE_DTYPES: Record<string, [string, number]> = {
  FloatStorage: ["F32", 4],
  LongStorage: ["I64", 8],
  DoubleStorage: ["F64", 8],
  HalfStorage: ["F16", 2],
  BFloat16Storage: ["BF16", 2],
};

interface Storage {
  dtype: string;
  bytes: number;
  raw: Uint8Array;
}

/** The checkpoint's whole pickled object, tensors rebuilt (float32), other classes inert. */
export function readTorchPickle(path: string): unknown {
  let zip;
  try {
    zip = readZip(readFileSync(path));
  } catch (err) {
    throw new InputError(`not a PyTorch zip checkpoint: ${(err as Error).message}`, {
      file: path,
      fix: "save with torch.save (zip format, torch ≥ 1.6) or use model.safetensors",
    });
  }
  const pkl = [...zip.keys()].find((k) => k.endsWith("/data.pkl") || k === "data.pkl");
  if (!pkl) throw new InputError("no data.pkl in the checkpoint", { file: path });
  const stem = pkl.slice(0, -"data.pkl".length);
  const root = readPickle(zip.get(pkl)!.data(), {
    persistentLoad(pid) {
      const [kind, type, key] = pid as [string, GlobalRef, string];
      if (kind !== "storage") throw new Error(`unknown persistent id ${kind}`);
      const name = type.name.split(".").pop()!;
      const dt = STORAGE_DTYPES[name];
      if (!dt) throw new InputError(`storage type ${type.name} is not supported (only float weights)`, { file: path });
      const entry = zip.get(`${stem}data/${key}`);
      if (!entry) throw new InputError(`storage ${key} is missing from the checkpoint`, { file: path });
      return { dtype: dt[0], bytes: dt[1], raw: entry.data() } satisfies Storage;
    },
    construct(name, args) {
      if (name !== "torch._utils._rebuild_tensor_v2") return undefined;
      const [storage, offset, size, stride] = args as [Storage, number, number[], number[]];
      return rebuild(storage, offset, size, stride);
    },
  });
  return root;
}

/** The float tensors of a state_dict (a mapping name → tensor). */
export function tensorsOf(dict: unknown, path: string): Weights {
  if (!(dict instanceof Map)) throw new InputError("the checkpoint is not a state_dict", { file: path });
  const weights: Weights = new Map();
  for (const [k, v] of dict)
    if (v && typeof v === "object" && "data" in (v as object) && "shape" in (v as object))
      weights.set(String(k), v as Tensor);
  return weights;
}

export function readTorchCheckpoint(path: string): Weights {
  return tensorsOf(readTorchPickle(path), path);
}

function rebuild(s: Storage, offset: number, size: number[], stride: number[]): Tensor {
  const total = s.raw.byteLength / s.bytes;
  const all = toFloat32(s.dtype, s.raw, total);
  const n = size.reduce((a, b) => a * b, 1);
  const contiguous = size.every((_, i) => stride[i] === size.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous) return { shape: size, data: all.slice(offset, offset + n) };
  const out = new Float32Array(n);
  const idx = new Array(size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let src = offset;
    for (let d = 0; d < size.length; d++) src += idx[d] * stride[d]!;
    out[i] = all[src]!;
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d] < size[d]!) break;
      idx[d] = 0;
    }
  }
  return { shape: size, data: out };
}
