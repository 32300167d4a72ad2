/**
 * zarr v3 metadata (`zarr.json`) as zarr-python 3 writes it: the types, and the parse of an array's
 * entry into what the reader needs: element type, fill value, chunk grid and key encoding, and its
 * codecs split into array→array, array→bytes and bytes→bytes, with `sharding_indexed` taken apart.
 */
import { CodecError, InputError } from "../errors.ts";
import { codecIds } from "./codecs/registry.ts";
import { chunkKeyEncoder, type ChunkKeyEncoder } from "./chunk-keys.ts";
import { bytesPerElement, type Dtype } from "./dtype.ts";
import type { Attrs } from "./tree.ts";

export interface NamedConfig {
  name: string;
  configuration?: Record<string, unknown>;
}

export interface ArrayMetadataV3 {
  zarr_format: 3;
  node_type: "array";
  shape: number[];
  data_type: string | NamedConfig;
  chunk_grid: { name: string; configuration: { chunk_shape: number[] } };
  chunk_key_encoding: NamedConfig;
  fill_value: unknown;
  codecs: NamedConfig[];
  attributes?: Attrs;
  dimension_names?: (string | null)[] | null;
  storage_transformers?: unknown[];
}

export interface ConsolidatedMetadataV3 {
  kind: "inline";
  must_understand: false;
  /** every node below the group, by its path relative to the group ("X/data") */
  metadata: Record<string, NodeMetadataV3>;
}

export interface GroupMetadataV3 {
  zarr_format: 3;
  node_type: "group";
  attributes?: Attrs;
  consolidated_metadata?: ConsolidatedMetadataV3 | null;
}

export type NodeMetadataV3 = ArrayMetadataV3 | GroupMetadataV3;

type Where = { file: string; key: string };

// ---- element types and fill values

const DATA_TYPES: Record<string, Dtype> = {
  bool: "|b1",
  int8: "|i1",
  int16: "<i2",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  uint16: "<u2",
  uint32: "<u4",
  uint64: "<u8",
  float32: "<f4",
  float64: "<f8",
  string: "|O",
};

export function parseDataType(raw: ArrayMetadataV3["data_type"], where: Where): Dtype {
  const name = typeof raw === "string" ? raw : raw?.name;
  if (typeof name === "string" && name in DATA_TYPES) return DATA_TYPES[name]!;
  if (name === "fixed_length_utf32" && typeof raw === "object") {
    const bytes = Number(raw.configuration?.length_bytes);
    if (Number.isInteger(bytes) && bytes > 0 && bytes % 4 === 0) return `<U${bytes / 4}`;
  }
  const fix =
    name === "float16"
      ? "float16 is not read by scembed: store the array as float32 (numpy: a.astype('float32'))"
      : `store it as one of ${Object.keys(DATA_TYPES).join(", ")}`;
  throw new InputError(`unsupported zarr v3 data type ${JSON.stringify(raw)}`, { ...where, fix });
}

/** Our dtype's v3 name, for writing. */
export function dataTypeName(dtype: Dtype): string | NamedConfig {
  if (dtype.startsWith("<U"))
    return { name: "fixed_length_utf32", configuration: { length_bytes: bytesPerElement(dtype) } };
  const name = Object.keys(DATA_TYPES).find((n) => DATA_TYPES[n] === dtype);
  if (!name) throw new Error(`no zarr v3 data type for ${dtype}`);
  return name;
}

export type FillValue = number | bigint | boolean | string;

/** v3 spells special floats "NaN", "Infinity", "-Infinity", or their bits as "0x…" hex. */
export function parseFillValue(raw: unknown, dtype: Dtype, where: Where): FillValue {
  if (dtype === "|O" || dtype.startsWith("<U")) return typeof raw === "string" ? raw : "";
  if (dtype === "|b1") return raw === true;
  if (typeof raw === "number") return dtype === "<i8" || dtype === "<u8" ? BigInt(raw) : raw;
  if (raw === "NaN") return NaN;
  if (raw === "Infinity") return Infinity;
  if (raw === "-Infinity") return -Infinity;
  if (typeof raw === "string" && /^0x[0-9a-f]+$/i.test(raw) && (dtype === "<f4" || dtype === "<f8")) {
    const view = new DataView(new ArrayBuffer(8));
    if (dtype === "<f4") {
      view.setUint32(0, Number.parseInt(raw, 16));
      return view.getFloat32(0);
    }
    view.setBigUint64(0, BigInt(raw));
    return view.getFloat64(0);
  }
  throw new InputError(`fill value ${JSON.stringify(raw)} does not fit data type ${dtype}`, where);
}

// ---- codecs and chunking

const ARRAY_TO_ARRAY = new Set(["transpose"]);
const ARRAY_TO_BYTES = new Set(["bytes", "vlen-utf8", "sharding_indexed"]);

export interface ShardingLayout {
  /** the inner chunk shape: the unit a read decodes */
  innerShape: number[];
  /** codecs of each inner chunk */
  codecs: NamedConfig[];
  indexEndian: "little" | "big";
  indexCrc32c: boolean;
  indexLocation: "start" | "end";
}

export interface ArrayLayoutV3 {
  shape: number[];
  dtype: Dtype;
  fill: FillValue;
  /** the chunk grid: one file per chunk (a shard, when sharded) */
  chunkShape: number[];
  chunkKey: ChunkKeyEncoder;
  /** codecs of each chunk, when not sharded */
  codecs: NamedConfig[];
  sharding?: ShardingLayout;
}

export function parseArrayLayout(meta: ArrayMetadataV3, where: Where): ArrayLayoutV3 {
  const shape = meta.shape;
  const dtype = parseDataType(meta.data_type, where);
  if (meta.chunk_grid?.name !== "regular") {
    throw new InputError(`chunk grid '${meta.chunk_grid?.name}' is not supported`, {
      ...where,
      fix: "rewrite the array with a regular chunk grid",
    });
  }
  const chunkShape = meta.chunk_grid.configuration.chunk_shape;
  checkShape(chunkShape, shape.length, "chunk shape", where);
  if ((meta.storage_transformers ?? []).length > 0) {
    throw new InputError("storage transformers are not supported", where);
  }
  const layout: ArrayLayoutV3 = {
    shape,
    dtype,
    fill: parseFillValue(meta.fill_value, dtype, where),
    chunkShape,
    chunkKey: chunkKeyEncoder(meta.chunk_key_encoding, where),
    codecs: meta.codecs,
  };
  checkCodecOrder(meta.codecs, where);
  const shardAt = meta.codecs.findIndex((c) => c.name === "sharding_indexed");
  if (shardAt === -1) return layout;
  if (meta.codecs.length !== 1) {
    throw new InputError(`sharding_indexed among other codecs ${JSON.stringify(meta.codecs.map((c) => c.name))}`, {
      ...where,
      fix: "only sharding_indexed as the array's sole codec is read in parts; rewrite the array so",
    });
  }
  layout.sharding = parseSharding(meta.codecs[0]!.configuration ?? {}, chunkShape, where);
  layout.codecs = [];
  return layout;
}

function parseSharding(config: Record<string, unknown>, shardShape: number[], where: Where): ShardingLayout {
  const innerShape = config.chunk_shape as number[];
  checkShape(innerShape, shardShape.length, "inner chunk shape", where);
  if (innerShape.some((n, d) => shardShape[d]! % n !== 0)) {
    throw new InputError(`inner chunk shape [${innerShape}] does not divide the shard shape [${shardShape}]`, where);
  }
  const codecs = (config.codecs ?? []) as NamedConfig[];
  checkCodecOrder(codecs, where);
  if (codecs.some((c) => c.name === "sharding_indexed"))
    throw new InputError("nested sharding is not supported", where);
  const index = (config.index_codecs ?? []) as NamedConfig[];
  const names = index.map((c) => c.name).join(",");
  if (names !== "bytes" && names !== "bytes,crc32c") {
    throw new InputError(`shard index codecs [${names}] are not supported`, {
      ...where,
      fix: "write shard indexes with the codecs bytes + crc32c (zarr-python's default)",
    });
  }
  const location = config.index_location ?? "end";
  if (location !== "start" && location !== "end")
    throw new InputError(`index_location ${JSON.stringify(location)}`, where);
  return {
    innerShape,
    codecs,
    indexEndian: index[0]!.configuration?.endian === "big" ? "big" : "little",
    indexCrc32c: index.length === 2,
    indexLocation: location,
  };
}

/** [array→array…, one array→bytes, bytes→bytes…], as the spec orders them. */
function checkCodecOrder(codecs: NamedConfig[], where: Where): void {
  for (const { name } of codecs) {
    const id = name.startsWith("numcodecs.") ? name.slice("numcodecs.".length) : name;
    if (ARRAY_TO_ARRAY.has(name) || ARRAY_TO_BYTES.has(name) || codecIds().includes(id)) continue;
    throw new CodecError(`unknown codec '${name}'`, {
      ...where,
      fix: `rewrite the array with codecs scembed reads: transpose, bytes, vlen-utf8, sharding_indexed, ${codecIds().join(", ")}`,
    });
  }
  const kinds = codecs.map((c) => (ARRAY_TO_ARRAY.has(c.name) ? 0 : ARRAY_TO_BYTES.has(c.name) ? 1 : 2));
  const ordered = kinds.every((k, i) => i === 0 || kinds[i - 1]! <= k);
  if (!ordered || kinds.filter((k) => k === 1).length !== 1) {
    throw new InputError(
      `codecs ${JSON.stringify(codecs.map((c) => c.name))} need exactly one array→bytes codec, in order`,
      where,
    );
  }
}

function checkShape(chunks: unknown, ndim: number, what: string, where: Where): void {
  if (!Array.isArray(chunks) || chunks.length !== ndim || chunks.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new InputError(`${what} ${JSON.stringify(chunks)} does not fit ${ndim} dimensions`, where);
  }
}
