/**
 * read → overrides → parse → rules → every method's options. Problems come back at once: errors
 * as one ConfigError naming each key and its fix, warnings (unknown keys, deprecated names) for
 * the caller to show.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { ConfigError } from "../errors.ts";
import { getMethod, methodNames } from "../methods/registry.ts";
import { applyOverrides, type PlainObject } from "./overrides.ts";
import {
  configSchema,
  SECTION_NAMES,
  sectionSchema,
  type Config,
  type Section,
  type SectionName,
} from "./config-schema.ts";
import { describeIssue, ownKwargsKey, sectionOptions } from "./method-options.ts";
import { didYouMean } from "./nearest-name.ts";

export interface LoadedConfig {
  path?: string;
  config: Config;
  /** unknown keys, deprecated names: worth saying, not worth stopping for */
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
  if (typeof doc !== "object" || Array.isArray(doc))
    throw new ConfigError("the config must be a mapping", { file: path });
  return doc as PlainObject;
}

export function loadConfig(
  path: string | undefined,
  overrides: readonly string[] = [],
  env: NodeJS.ProcessEnv = process.env,
): LoadedConfig {
  const raw = applyOverrides(path ? readConfigFile(path) : {}, overrides);
  return parseConfig(raw, path, env);
}

export function parseConfig(raw: PlainObject, path?: string, env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  if (raw["base_file_path"] == null && env["BASE_FILE_PATH"]) raw = { ...raw, base_file_path: env["BASE_FILE_PATH"] };
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${describeIssue(i)}`);
    throw new ConfigError(`invalid config:\n  ${lines.join("\n  ")}`, {
      file: path,
      fix: "correct the keys listed above (in the YAML or with ++key=value)",
    });
  }
  const config = parsed.data;
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const name of SECTION_NAMES) {
    const section = config[name];
    if (!section) continue;
    if (section.batch_key == null && config.batch_key != null) section.batch_key = config.batch_key;
    checkSection(name, section, warnings, errors);
  }
  if (errors.length > 0) {
    // the warnings too: a misspelt key often explains an error (`methds:` → a section without methods)
    const lines = [...errors, ...warnings.map((w) => `(warning) ${w}`)];
    throw new ConfigError(`invalid config:\n  ${lines.join("\n  ")}`, {
      file: path,
      fix: "correct the keys listed above (in the YAML or with ++key=value)",
    });
  }
  return { path, config, warnings };
}

/** The keys a section may hold: its settings, and each method's options block. */
const SECTION_KEYS = [...Object.keys(sectionSchema.shape), ...methodNames().flatMap((m) => [m, ownKwargsKey(m)])];

function checkSection(name: SectionName, section: Section, warnings: string[], errors: string[]): void {
  for (const key of Object.keys(section)) {
    if (!SECTION_KEYS.includes(key))
      warnings.push(`${name}.${key}: unknown key, ignored${didYouMean(key, SECTION_KEYS)}`);
  }
  const repeated = [...new Set(section.methods.filter((m, i) => section.methods.indexOf(m) !== i))];
  if (repeated.length > 0) {
    warnings.push(`${name}.methods: ${repeated.join(", ")} listed more than once; computed once`);
    section.methods = [...new Set(section.methods)];
  }
  const unknown = section.methods.flatMap((m, i) => {
    try {
      getMethod(m, `${name}.methods[${i}]`);
      return [];
    } catch (err) {
      return [(err as Error).message.replace(/\n\s*fix: /, " — ")];
    }
  });
  errors.push(...unknown);
  if (section.enabled && section.methods.length === 0) {
    errors.push(
      `${name}.methods: the section lists no methods, so it would do nothing — list them (methods: [gs, pca, …]) or set ${name}.enabled: false`,
    );
  }
  if (section.output_format === "h5ad") {
    errors.push(
      `${name}.output_format: h5ad output is not supported yet — set it to zarr (anndata reads zarr with ad.read_zarr)`,
    );
  }
  if (unknown.length > 0) return;
  const options = sectionOptions(name, section);
  warnings.push(...options.warnings);
  errors.push(...options.errors);
}

export function getSection(config: Config, name: string): Section {
  const section = config[sectionName(name)];
  if (!section)
    throw new ConfigError(`the config has no '${name}' section`, {
      key: name,
      fix: `add a ${name}: block with methods: [...]`,
    });
  return section;
}

/** A section name from the command line or the config, checked. */
export function sectionName(name: string): SectionName {
  if ((SECTION_NAMES as readonly string[]).includes(name)) return name as SectionName;
  throw new ConfigError(`unknown section '${name}'`, {
    key: "section",
    fix: `use one of: ${SECTION_NAMES.join(", ")}`,
  });
}
