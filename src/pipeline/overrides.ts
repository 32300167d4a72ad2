/**
 * Hydra-style command-line overrides on a plain config object:
 *   a.b=v   set a key that exists        +a.b=v  add a key that does not exist
 *   ++a.b=v set or add                   ~a.b    delete
 * Values are parsed as YAML, so `[gs,gs10k]`, `true`, `16384` and `null` mean what they say.
 */
import { parse } from "yaml";
import { ConfigError } from "../errors.ts";

export type PlainObject = Record<string, unknown>;

export function isOverride(arg: string): boolean {
  return /^(\+\+|\+|~)?[A-Za-z_][\w.-]*(=|$)/.test(arg) && (arg.includes("=") || arg.startsWith("~"));
}

export function applyOverrides(config: PlainObject, overrides: readonly string[]): PlainObject {
  const out = structuredClone(config);
  for (const raw of overrides) applyOne(out, raw);
  return out;
}

function applyOne(config: PlainObject, raw: string): void {
  const m = /^(\+\+|\+|~)?([A-Za-z_][\w.-]*)(?:=(.*))?$/s.exec(raw);
  if (!m)
    throw new ConfigError(`cannot parse override '${raw}'`, {
      fix: "write key.path=value, +key.path=value, ++key.path=value or ~key.path",
    });
  const [, prefix = "", path, text] = m;
  const keys = path!.split(".");
  const last = keys.pop()!;
  let node = config;
  for (const k of keys) {
    if (node[k] === undefined || node[k] === null) {
      if (prefix === "")
        throw new ConfigError(`'${path}' does not exist in the config`, {
          key: path,
          fix: `use ++${path}=… to add it`,
        });
      node[k] = {};
    }
    if (typeof node[k] !== "object" || Array.isArray(node[k]))
      throw new ConfigError(`'${k}' in '${path}' is not a mapping`, { key: path });
    node = node[k] as PlainObject;
  }
  if (prefix === "~") {
    delete node[last];
    return;
  }
  if (text === undefined)
    throw new ConfigError(`override '${raw}' has no value`, { key: path, fix: `write ${raw}=value` });
  const exists = Object.hasOwn(node, last);
  if (prefix === "" && !exists)
    throw new ConfigError(`'${path}' does not exist in the config`, {
      key: path,
      fix: `use ++${path}=${text} to add it`,
    });
  if (prefix === "+" && exists)
    throw new ConfigError(`'${path}' already exists`, { key: path, fix: `use ${path}=${text} or ++${path}=${text}` });
  node[last] = parseValue(text);
}

function parseValue(text: string): unknown {
  if (text === "") return "";
  try {
    return parse(text);
  } catch {
    return text;
  }
}
