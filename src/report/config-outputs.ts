/**
 * The output files of a dataset config's embedding sections (the one named, or every enabled
 * section that embeds), those that exist: what `scembed report -c dataset.yaml` looks at.
 */
import { existsSync } from "node:fs";
import { ConfigError } from "../errors.ts";
import { sectionName } from "../pipeline/config-load.ts";
import type { Config } from "../pipeline/config-schema.ts";
import { planSection } from "../pipeline/plan.ts";

export interface ConfigOutputs {
  outputs: string[];
  /** planned outputs not written yet */
  missing: string[];
  /** the dataset's batch key, the report's default */
  batchKey: string | null;
}

export function configOutputs(config: Config, section?: string): ConfigOutputs {
  const names = section
    ? [sectionName(section)]
    : (["embedding_cpu", "embedding_gpu"] as const).filter((s) => config[s]);
  const planned = new Set<string>();
  let batchKey: string | null = null;
  for (const name of names)
    for (const task of planSection(config, name)) {
      planned.add(task.output);
      batchKey ??= task.settings.dataset.batchKey;
    }
  const all = [...planned].sort();
  const outputs = all.filter((p) => existsSync(p));
  if (outputs.length === 0)
    throw new ConfigError(
      all.length === 0
        ? "the config's embedding sections plan no files"
        : `none of its ${all.length} outputs exists yet`,
      { key: section ?? "embedding_cpu", fix: "run `scembed run -c <dataset.yaml>` first, or pass the output files" },
    );
  return { outputs, missing: all.filter((p) => !existsSync(p)), batchKey };
}
