/** Geneformer's dictionaries (Python pickles): token ids, gene medians, optional Ensembl mapping. */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { packagePath } from "../package-root.ts";
import { readPickle } from "./pickle.ts";

export interface GeneformerDictionaries {
  tokens: Map<string, number>;
  medians: Map<string, number>;
  /** Ensembl id → id it is collapsed into (absent: identity) */
  mapping?: Map<string, string>;
  /** sha256 of the three files, for cache keys */
  fingerprint: string;
  cls?: number;
  eos?: number;
  pad: number;
}

export interface DictionaryFiles {
  tokenDictionary: string;
  geneMedians?: string;
  geneMapping?: string;
}

export const SHIPPED = {
  v1Tokens: packagePath("resources", "geneformer", "token_dictionary_gc30M.pkl"),
  v1Medians: packagePath("resources", "geneformer", "gene_median_dictionary_gc30M.pkl"),
  v2Tokens: packagePath("resources", "geneformer", "token_dictionary_gc104M.pkl"),
};

function readDict(path: string, what: string): Map<unknown, unknown> {
  if (!existsSync(path))
    throw new InputError(`${what} not found`, {
      file: path,
      fix: `set init_kwargs.${what} to the Geneformer ${what.replace(/_/g, " ")} (.pkl)`,
    });
  const v = readPickle(readFileSync(path));
  if (!(v instanceof Map)) throw new InputError(`${what} is not a pickled dict`, { file: path });
  return v;
}

export function loadDictionaries(files: DictionaryFiles): GeneformerDictionaries {
  const hash = createHash("sha256");
  const tokens = new Map<string, number>();
  for (const [k, v] of readDict(files.tokenDictionary, "token_dictionary_file")) tokens.set(String(k), Number(v));
  hash.update(readFileSync(files.tokenDictionary));
  if (!files.geneMedians) {
    throw new InputError("no gene median dictionary", {
      file: files.tokenDictionary,
      key: "init_kwargs.gene_median_file",
      fix: "set init_kwargs.gene_median_file to Geneformer's gene_median_dictionary (V2: gene_median_dictionary_gc104M.pkl from the Geneformer repository; it is not shipped here)",
    });
  }
  const medians = new Map<string, number>();
  for (const [k, v] of readDict(files.geneMedians, "gene_median_file")) medians.set(String(k), Number(v));
  hash.update(readFileSync(files.geneMedians));
  let mapping: Map<string, string> | undefined;
  if (files.geneMapping) {
    mapping = new Map();
    for (const [k, v] of readDict(files.geneMapping, "gene_mapping_file"))
      mapping.set(String(k).toUpperCase(), String(v).toUpperCase());
    hash.update(readFileSync(files.geneMapping));
  }
  return {
    tokens,
    medians,
    mapping,
    fingerprint: hash.digest("hex"),
    cls: tokens.get("<cls>"),
    eos: tokens.get("<eos>"),
    pad: tokens.get("<pad>") ?? 0,
  };
}
