/**
 * The options each method of a section receives: `init_kwargs` (shared by the section's methods,
 * as in the reference), overlaid with the section's `<method>:` block (e.g. `pca: {mode: fit}`),
 * overlaid with `init_kwargs_<method>` ('-' → '_'). Each method's schema validates them: an invalid
 * value is an error naming the method, the key and what it takes; an unknown key is a warning
 * naming the closest known one.
 */
import type { z } from "zod";
import { getMethod } from "../methods/registry.ts";
import type { EmbeddingMethod } from "../methods/method.ts";
import type { Section } from "./config-schema.ts";
import { didYouMean } from "./nearest-name.ts";

/** `init_kwargs` keys of the reference's embedders that no method here reads: accepted, ignored. */
const REFERENCE_INIT_KWARGS = new Set([
  "geneformer_root",
  "geneformer_v1_root",
  "model_name",
  "emb_extractor_init",
  "tokenizer_kwargs",
  "device",
  "validate_paths",
  "resources_dir",
  "model_file",
  "gene_list_file",
  "cache_dir",
  "file_cache_dir",
  "hub_repo_id",
  "reference_s3_bucket",
  "reference_s3_path",
  "reference_adata_url",
  "ensembl_col",
  "file_copy_max_retries",
  "file_copy_base_delay",
  "cw_model_path",
  "processor_kwargs",
  "model_config",
]);

export interface SectionOptions {
  /** the validated options of each method, by method name */
  options: Record<string, unknown>;
  warnings: string[];
  errors: string[];
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === "object" && !Array.isArray(v);

/** The section key of a method's own `init_kwargs_<method>` block. */
export const ownKwargsKey = (method: string) => `init_kwargs_${method.replace(/-/g, "_")}`;

/** A method's options before validation, as merged from the three places. */
export function initKwargsFor(section: Section, method: string): Mapping {
  return Object.fromEntries([...layers(section, method)].flatMap(([, values]) => Object.entries(values)));
}

/** where the options come from, lowest precedence first: [section key, values] */
function* layers(section: Section, method: string): Generator<[string, Mapping]> {
  for (const key of ["init_kwargs", method, ownKwargsKey(method)])
    if (isMapping(section[key])) yield [key, section[key]];
}

/** Validates the options of every method a section lists (the methods must exist). */
export function sectionOptions(sectionName: string, section: Section): SectionOptions {
  const out: SectionOptions = { options: {}, warnings: [], errors: [] };
  const methods = section.methods.map((name) => getMethod(name));
  const knownToAny = new Set(methods.flatMap((m) => [...optionNames(m), ...Object.keys(m.renamedOptions ?? {})]));
  for (const key of ["init_kwargs", ...methods.flatMap((m) => [m.name, ownKwargsKey(m.name)])]) {
    if (section[key] != null && !isMapping(section[key]))
      out.errors.push(`${sectionName}.${key}: must be a mapping of options, e.g. ${key}: {key: value}`);
  }
  for (const [key] of Object.entries(isMapping(section.init_kwargs) ? section.init_kwargs : {})) {
    if (!knownToAny.has(key) && !REFERENCE_INIT_KWARGS.has(key)) {
      out.warnings.push(
        `${sectionName}.init_kwargs.${key}: no method of this section (${section.methods.join(", ")}) reads it; ignored${didYouMean(key, knownToAny)}`,
      );
    }
  }
  for (const method of methods) out.options[method.name] = methodOptions(sectionName, section, method, out);
  return out;
}

function optionNames(method: EmbeddingMethod): string[] {
  return Object.keys(method.options.shape);
}

function methodOptions(sectionName: string, section: Section, method: EmbeddingMethod, out: SectionOptions): unknown {
  const known = new Set(optionNames(method));
  const values: Mapping = {};
  const origin: Record<string, string> = {};
  const renamedTo = (key: string) => method.renamedOptions?.[key];
  for (const [layer, entries] of layers(section, method.name)) {
    // within one block, an old name gives way to the new one
    const ordered = Object.entries(entries).sort(([a], [b]) => Number(!renamedTo(a)) - Number(!renamedTo(b)));
    for (const [key, value] of ordered) {
      const renamed = renamedTo(key);
      const where = `${sectionName}.${layer}.${key}`;
      if (renamed) out.warnings.push(`${where}: deprecated, read as ${renamed} — rename it to ${renamed}`);
      const name = renamed ?? key;
      if (known.has(name)) {
        values[name] = value;
        origin[name] = where;
      } else if (layer !== "init_kwargs") {
        out.warnings.push(`${where}: ${method.name} has no option '${key}'; ignored${didYouMean(key, known)}`);
      }
    }
  }
  const parsed = method.options.safeParse(values, { reportInput: true });
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? "");
    out.errors.push(
      `${origin[key] ?? `${sectionName}.${key}`}${issue.path
        .slice(1)
        .map((p) => `[${String(p)}]`)
        .join("")}: ${method.name} ${describeIssue(issue)}`,
    );
  }
  return undefined;
}

/** One schema problem in words that say what is accepted. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const got = "input" in issue && issue.input !== undefined ? `, got ${JSON.stringify(issue.input)}` : "";
  switch (issue.code) {
    case "invalid_value":
      return `takes one of ${issue.values.map(String).join(", ")}${got}`;
    case "invalid_type":
      return `takes ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}${got}`;
    case "too_small":
    case "too_big":
      return `takes ${issue.origin === "number" ? "a number" : `a ${issue.origin} of length`} ${issue.code === "too_small" ? ">" : "<"}${issue.inclusive ? "=" : ""} ${String(issue.code === "too_small" ? issue.minimum : issue.maximum)}${got}`;
    default:
      return `${issue.message}${got}`;
  }
}
