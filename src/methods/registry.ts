/** The one table of embedding methods. A new method is one file plus one line here. */
import { ConfigError } from "../errors.ts";
import { gs } from "./gs.ts";
import { gs10k } from "./gs10k.ts";
import { geneformer, geneformerV1 } from "./geneformer.ts";
import { hvg } from "./hvg.ts";
import { pca } from "./pca.ts";
import { scviFm } from "./scvi-fm.ts";
import type { EmbeddingMethod } from "./method.ts";

const METHODS: ReadonlyMap<string, EmbeddingMethod> = new Map<string, EmbeddingMethod>([
  ["gs", gs],
  ["gs10k", gs10k],
  ["hvg", hvg],
  ["pca", pca],
  ["geneformer", geneformer],
  ["geneformer-v1", geneformerV1],
  ["scvi_fm", scviFm],
]);

/** Methods of the reference pipeline that this version does not implement. */
const PLANNED = ["cw-geneformer"];

export function methodNames(): string[] {
  return [...METHODS.keys()];
}

export function getMethod(name: string, where = "methods"): EmbeddingMethod {
  const m = METHODS.get(name);
  if (m) return m;
  const planned = PLANNED.includes(name);
  throw new ConfigError(planned ? `method '${name}' is not implemented in this version` : `unknown method '${name}'`, {
    key: where,
    fix: `use one of: ${methodNames().join(", ")}`,
  });
}
