/** Config section → one task per input file: plain data that a worker or an array job can run. */
import { join, resolve } from "node:path";
import type { CodecConfig as CompressorConfig } from "../store/codecs/registry.ts";
import { getSection, initKwargsFor } from "./config-load.ts";
import type { Config, SectionName } from "./config-schema.ts";
import type { XIs } from "./expression-source.ts";
import { logPathFor, outputPathFor, resolveInputFiles, resolveOutputDir } from "./paths.ts";

export interface Task {
  section: SectionName;
  index: number;
  input: string;
  output: string;
  logFile?: string;
  methods: string[];
  prepareOnly: boolean;
  chunkRows: number;
  batchSize: number;
  overwrite: boolean;
  xIs: XIs;
  dimMap: Record<string, number>;
  initKwargs: Record<string, Record<string, unknown>>;
  compressor?: CompressorConfig;
  outputZarrFormat?: 2 | 3;
  /** the section's input files: the dataset for dataset-level preparation */
  datasetFiles: string[];
  cacheDir: string;
  batchKey?: string | null;
}

export function planSection(config: Config, name: SectionName): Task[] {
  const section = getSection(config, name);
  if (!section.enabled || section.methods.length === 0) return [];
  const inputs = resolveInputFiles(config, name, section);
  const outputDir = resolveOutputDir(config, name, section);
  const prepareOnly = name === "embedding_preparation" || config["prepare_only"] === true;
  return inputs.map((input, index) => ({
    section: name,
    index,
    input,
    output: outputPathFor(input, outputDir),
    logFile: logPathFor(input, outputDir, name),
    methods: [...section.methods],
    prepareOnly,
    chunkRows: section.chunk_rows,
    batchSize: section.batch_size,
    overwrite: section.overwrite,
    xIs: section.x_is,
    dimMap: { ...(section.embedding_dim_map ?? {}) },
    initKwargs: Object.fromEntries(section.methods.map((m) => [m, initKwargsFor(section, m)])),
    compressor: section.compressor as CompressorConfig | undefined,
    outputZarrFormat: section.output_zarr_format,
    datasetFiles: inputs,
    cacheDir: section.cache_dir ? resolve(section.cache_dir) : join(outputDir, ".scembed-cache"),
    batchKey: section.batch_key ?? null,
  }));
}
