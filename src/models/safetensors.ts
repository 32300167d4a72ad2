/** Reads `model.safetensors`: u64 LE header length, a JSON header, then the raw tensor bytes. */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { toFloat32, type Weights } from "./tensor.ts";

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export function readSafetensors(path: string): Weights {
  return parseSafetensors(readFileSync(path), path);
}

/** The tensors of a safetensors file's bytes (`path` names it in errors). */
export function parseSafetensors(buf: Buffer, path: string): Weights {
  if (buf.byteLength < 8) throw new InputError("file too short for safetensors", { file: path });
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (8 + headerLen > buf.byteLength)
    throw new InputError("safetensors header runs past the end of the file (truncated download?)", {
      file: path,
      fix: "download the file again",
    });
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString("utf8")) as Record<string, Entry>;
  const base = 8 + headerLen;
  const weights: Weights = new Map();
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const n = e.shape.reduce((a, b) => a * b, 1);
    const [start, end] = e.data_offsets;
    if (base + end > buf.byteLength)
      throw new InputError(`tensor ${name} runs past the end of the file`, {
        file: path,
        fix: "download the file again",
      });
    try {
      weights.set(name, { shape: e.shape, data: toFloat32(e.dtype, buf.subarray(base + start, base + end), n) });
    } catch (err) {
      throw new InputError(`tensor ${name} (shape [${e.shape}], ${e.dtype}): ${(err as Error).message}`, {
        file: path,
        fix: "a damaged or truncated download: download the file again (weights are F32, F16, BF16, F64 or I64)",
      });
    }
  }
  return weights;
}
