/**
 * Config section → one task per input file: plain data that a worker or an array job can run.
 * Every task of a section carries the same settings object, which flows unchanged to the file loop.
 */
import { join, resolve } from "node:path";
import type { CodecConfig as CompressorConfig } from "../store/codecs/registry.ts";
import { getSection } from "./config-load.ts";
import type { Config, SectionName } from "./config-schema.ts";
import type { XIs } from "./expression-source.ts";
import { sectionOptions } from "./method-options.ts";
import { refuseOutputsInInputs } from "./path-guards.ts";
import { sectionLayout, type FileLayout } from "./paths.ts";

/** How a section embeds each of its files. */
export interface EmbedSettings {
  methods: string[];
  /** each method's validated options, by method name */
  options: Record<string, unknown>;
  /** the preparation phase only: check inputs, build per-file and dataset-level resources */
  prepareOnly: boolean;
  chunkRows: number;
  batchSize: number;
  overwrite: boolean;
  xIs: XIs;
  dimMap: Record<string, number>;
  compressor?: CompressorConfig;
  /** the zarr format an .h5ad input is written out as; a zarr input keeps its own */
  outputZarrFormat: 2 | 3;
  /** the dataset, for dataset-level preparation: every input file of the section */
  dataset: { files: string[]; cacheDir: string; batchKey: string | null };
}

export interface Task {
  section: SectionName;
  index: number;
  input: string;
  output: string;
  logFile?: string;
  settings: EmbedSettings;
}

export interface PlanOptions {
  /** the files; the section's dataset layout by default */
  layout?: FileLayout;
  prepareOnly?: boolean;
}

export function planSection(config: Config, name: SectionName, opts: PlanOptions = {}): Task[] {
  const section = getSection(config, name);
  if (!section.enabled || section.methods.length === 0) return [];
  const layout = opts.layout ?? sectionLayout(config, name, section);
  const settings: EmbedSettings = {
    methods: [...section.methods],
    options: sectionOptions(name, section).options,
    prepareOnly: opts.prepareOnly === true || name === "embedding_preparation" || config.prepare_only === true,
    chunkRows: section.chunk_rows,
    batchSize: section.batch_size,
    overwrite: section.overwrite,
    xIs: section.x_is,
    dimMap: { ...(section.embedding_dim_map ?? {}) },
    compressor: section.compressor,
    outputZarrFormat: section.output_zarr_format,
    dataset: {
      files: layout.inputs,
      cacheDir: section.cache_dir ? resolve(section.cache_dir) : join(layout.outputDir, ".scembed-cache"),
      batchKey: section.batch_key ?? null,
    },
  };
  refuseOutputsInInputs({
    section: name,
    layout,
    cacheDir: settings.dataset.cacheDir,
    dataset: opts.layout === undefined,
    writesOutputs: !settings.prepareOnly,
  });
  return layout.inputs.map((input, index) => ({
    section: name,
    index,
    input,
    output: layout.outputFor(input),
    logFile: layout.logFor?.(input),
    settings,
  }));
}
