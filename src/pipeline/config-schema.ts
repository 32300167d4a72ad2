/**
 * The dataset YAML, as the reference's Hydra configs write it. Unknown top-level sections
 * (preprocessing, dataset_creation, …) are kept and ignored; embedding sections are validated,
 * and a key they do not know is warned about (see config-keys.ts).
 */
import { z } from "zod";

export const SECTION_NAMES = ["embedding_preparation", "embedding_cpu", "embedding_gpu"] as const;
export type SectionName = (typeof SECTION_NAMES)[number];

/** the zarr compressors src/store/codecs.ts reads and writes */
export const COMPRESSOR_IDS = ["gzip", "zlib", "blosc", "zstd", "lz4"] as const;

const compressor = z.object({ id: z.enum(COMPRESSOR_IDS) }).catchall(z.unknown());
const mapping = z.record(z.string(), z.unknown());

export const sectionSchema = z
  .object({
    enabled: z.boolean().default(true),
    methods: z.array(z.string()).default([]),
    batch_size: z.number().int().positive().default(128),
    chunk_rows: z.number().int().positive().default(16384),
    overwrite: z.boolean().default(false),
    input_format: z.enum(["auto", "h5ad", "zarr"]).default("auto"),
    output_format: z.enum(["zarr", "h5ad"]).default("zarr"),
    embedding_dim_map: z.record(z.string(), z.number().int().positive()).nullable().default({}),
    input_files: z.array(z.string()).nullable().default(null),
    output_dir: z.string().nullable().default(null),
    batch_key: z.string().nullable().optional(),
    init_kwargs: mapping.nullable().default(null),
    x_is: z.enum(["auto", "lognorm", "counts"]).default("auto"),
    compressor: compressor.optional(),
    /** the zarr format an .h5ad input is written out as; a zarr input keeps its own */
    output_zarr_format: z.union([z.literal(2), z.literal(3)]).default(3),
    cache_dir: z.string().nullable().optional(),
    memory_gb: z.number().positive().optional(),
    execution_location: z.string().optional(),
    /** the reference's, unused here */
    venv_path: z.unknown().optional(),
    /** sbatch settings of this section (see executors/sbatch-script.ts) */
    slurm: mapping.optional(),
  })
  .catchall(z.unknown());

export type Section = z.infer<typeof sectionSchema>;

export const configSchema = z
  .object({
    dataset: z
      .object({ name: z.string().min(1) })
      .catchall(z.unknown())
      .optional(),
    batch_key: z.string().nullable().optional(),
    split_dataset: z.boolean().default(true),
    base_file_path: z.string().nullable().optional(),
    workflow_dir: z.string().nullable().optional(),
    /** every section only prepares (the reference's ++prepare_only=true) */
    prepare_only: z.boolean().optional(),
    /** the section `embed -c` runs when -s is not given */
    embedding_config_section: z.string().optional(),
    /** a shell command SLURM runs after both embedding sections */
    dataset_creation_hook: z.string().optional(),
    slurm: mapping.optional(),
    embedding_preparation: sectionSchema.optional(),
    embedding_cpu: sectionSchema.optional(),
    embedding_gpu: sectionSchema.optional(),
  })
  .catchall(z.unknown());

export type Config = z.infer<typeof configSchema>;
