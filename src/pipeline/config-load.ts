/**
 * read → overrides → parse → rules → derived paths. Problems come back as ConfigErrors naming the
 * key and the fix, all at once.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ConfigError } from "../errors.ts";
import { getMethod } from "../methods/registry.ts";
import { applyOverrides, type PlainObject } from "./overrides.ts";
import { configSchema, SECTION_NAMES, type Config, type Section, type SectionName } from "./config-schema.ts";

export interface LoadedConfig {
  path?: string;
  config: Config;
  warnings: string[];
}

export function readConfigFile(path: string): PlainObject {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new ConfigError("config file not found", { file: path, fix: "pass the dataset YAML with -c <file>" });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new ConfigError(`invalid YAML: ${(err as Error).message}`, { file: path });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) throw new ConfigError("the config must be a mapping", { file: path });
  return doc as PlainObject;
}

export function loadConfig(path: string | undefined, overrides: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const raw = applyOverrides(path ? readConfigFile(path) : {}, overrides);
  return parseConfig(raw, path, env);
}

export function parseConfig(raw: PlainObject, path?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (raw["base_file_path"] == null && env["BASE_FILE_PATH"]) raw = { ...raw, base_file_path: env["BASE_FILE_PATH"] };
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new ConfigError(`invalid config:\n  ${lines.join("\n  ")}`, { file: path, fix: "correct the keys listed above (in the YAML or with ++key=value)" });
  }
  const config = parsed.data;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const name of SECTION_NAMES) {
    const section = config[name];
    if (!section) continue;
    if (section.batch_key == null && config.batch_key != null) section.batch_key = config.batch_key;
    section.methods.forEach((m, i) => {
      try {
        getMethod(m, `${name}.methods[${i}]`);
      } catch (err) {
        errors.push((err as Error).message.replace(/\n\s*fix: /, " — "));
      }
    });
    if (section.output_format === "h5ad") {
      errors.push(`${name}.output_format: h5ad output is not supported yet — set it to zarr (anndata reads zarr with ad.read_zarr)`);
    }
  }
  if (errors.length > 0) throw new ConfigError(`invalid config:\n  ${errors.join("\n  ")}`, { file: path });
  return { path, config, warnings };
}

export function getSection(config: Config, name: string): Section {
  if (!(SECTION_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(`unknown section '${name}'`, { key: "section", fix: `use one of: ${SECTION_NAMES.join(", ")}` });
  }
  const section = config[name as SectionName];
  if (!section) throw new ConfigError(`the config has no '${name}' section`, { key: name, fix: `add a ${name}: block with methods: [...]` });
  return section;
}

/**
 * A method's options: `init_kwargs`, overlaid with the section's `<method>:` block (e.g.
 * `pca: {mode: fit}`), overlaid with `init_kwargs_<method>` ('-' → '_'), as the reference does.
 */
export function initKwargsFor(section: Section, method: string): Record<string, unknown> {
  const block = section[method];
  const specific = section[`init_kwargs_${method.replace(/-/g, "_")}`];
  const asRecord = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  return { ...(section.init_kwargs ?? {}), ...asRecord(block), ...asRecord(specific) };
}
