/**
 * Where inputs are and where outputs go. Inputs: `input_files`, or every `chunk_<i>.zarr|h5ad`
 * under `<base>/processed/<train|test>/<name>/<split>/` in numeric order. Outputs:
 * `<output_dir>/<split>/<chunk stem>.zarr`, output_dir defaulting to
 * `<base>/processed_with_emb/<train|test>/<name>`.
 */
import { readdirSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { ConfigError } from "../errors.ts";
import type { Config, Section, SectionName } from "./config-schema.ts";

const CHUNK = /^chunk_(\d+)\.(zarr|h5ad)$/;

function datasetLayout(
  config: Config,
  what: string,
): { base: string; name: string; kind: "train" | "test"; splits: string[] } {
  const base = config.base_file_path;
  const name = config.dataset?.name;
  if (!base || !name) {
    throw new ConfigError(
      `${what} is not set and cannot be derived${!base ? " (no base_file_path)" : " (no dataset.name)"}`,
      {
        key: what,
        fix: !base
          ? "set ++base_file_path=/path/to/data or the BASE_FILE_PATH environment variable, or list the files explicitly"
          : "set dataset.name in the config",
      },
    );
  }
  const kind = config.split_dataset ? "train" : "test";
  return { base, name, kind, splits: config.split_dataset ? ["train", "val"] : ["all"] };
}

export function resolveInputFiles(config: Config, sectionName: SectionName, section: Section): string[] {
  if (section.input_files && section.input_files.length > 0) return section.input_files.map((f) => resolve(f));
  const { base, name, kind, splits } = datasetLayout(config, `${sectionName}.input_files`);
  const files: string[] = [];
  for (const split of splits) {
    const dir = join(base, "processed", kind, name, split);
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const chunks = names
      .filter((n) => CHUNK.test(n))
      .sort((a, b) => Number(CHUNK.exec(a)![1]) - Number(CHUNK.exec(b)![1]));
    files.push(...chunks.map((n) => resolve(dir, n)));
  }
  if (files.length === 0) {
    throw new ConfigError(
      `no chunk_<i>.zarr|h5ad files under ${join(base, "processed", kind, name)}/{${splits.join(",")}}`,
      {
        key: `${sectionName}.input_files`,
        fix: "check base_file_path, dataset.name and split_dataset, or list input_files",
      },
    );
  }
  return files;
}

export function resolveOutputDir(config: Config, sectionName: SectionName, section: Section): string {
  if (section.output_dir) return resolve(section.output_dir);
  const { base, name, kind } = datasetLayout(config, `${sectionName}.output_dir`);
  return resolve(base, "processed_with_emb", kind, name);
}

/** Which files a section reads and where each one's output and log go. */
export interface FileLayout {
  inputs: string[];
  /** holds the outputs (and, unless cache_dir says otherwise, the preparation cache) */
  outputDir: string;
  outputFor(input: string): string;
  logFor?(input: string): string;
}

/** The dataset's chunk files, outputs mirrored under output_dir, one log per file. */
export function sectionLayout(config: Config, sectionName: SectionName, section: Section): FileLayout {
  const inputs = resolveInputFiles(config, sectionName, section);
  const outputDir = resolveOutputDir(config, sectionName, section);
  return {
    inputs,
    outputDir,
    outputFor: (input) => outputPathFor(input, outputDir),
    logFor: (input) => logPathFor(input, outputDir, sectionName),
  };
}

/** One file to one named output (`embed --input … --output …`); logs go to stderr only. */
export function singleFileLayout(input: string, output: string): FileLayout {
  return { inputs: [resolve(input)], outputDir: dirname(resolve(output)), outputFor: () => resolve(output) };
}

/** `<output_dir>/<split>/<stem>.zarr`, split being the input's parent folder name. */
export function outputPathFor(input: string, outputDir: string): string {
  const stem = basename(input, extname(input));
  return join(outputDir, basename(dirname(input)), `${stem}.zarr`);
}

export function logPathFor(input: string, outputDir: string, sectionName: string): string {
  const stem = basename(input, extname(input));
  return join(outputDir, "logs", sectionName, `${basename(dirname(input))}__${stem}.log`);
}
