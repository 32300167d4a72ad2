/**
 * The reference pipeline's cross-dataset PCA, read from its scikit-learn pickle:
 * `{pca_model: PCA, scaler: StandardScaler, gene_order: [...], metadata, config}`.
 */
import { readFileSync } from "node:fs";
import { InputError } from "../errors.ts";
import { asNdArray, PyObject, readPickle, type NdArray } from "./pickle.ts";

export interface PretrainedPca {
  genes: string[];
  scalerMean: Float64Array;
  scalerScale: Float64Array;
  pcaMean: Float64Array;
  /** K × G, row-major */
  components: Float64Array;
  K: number;
  G: number;
  explainedVarianceRatio?: Float64Array;
}

export function readPretrainedPca(path: string): PretrainedPca {
  let root: unknown;
  try {
    root = readPickle(readFileSync(path));
  } catch (err) {
    throw new InputError(`cannot read the PCA pickle: ${(err as Error).message}`, {
      file: path,
      fix: "pass the reference's cellxgene_geo_pca_10000_to_50.pkl (pca.model_file)",
    });
  }
  const top = root instanceof Map ? root : undefined;
  const pca = top?.get("pca_model");
  const scaler = top?.get("scaler");
  const genes = top?.get("gene_order");
  if (!(pca instanceof PyObject) || !Array.isArray(genes)) {
    throw new InputError("not the reference's PCA pickle (expected keys pca_model, scaler, gene_order)", {
      file: path,
      fix: "pass the reference's cellxgene_geo_pca_10000_to_50.pkl (pca.model_file), or use pca mode: fit",
    });
  }
  const p = pca.dict;
  const components = array(p["components_"], "pca_model.components_", path);
  const [K, G] = components.shape as [number, number];
  const s = scaler instanceof PyObject ? scaler.dict : undefined;
  const ones = new Float64Array(G).fill(1);
  const out: PretrainedPca = {
    genes: genes.map(String),
    scalerMean: s && s["mean_"] != null ? toF64(array(s["mean_"], "scaler.mean_", path)) : new Float64Array(G),
    scalerScale: s && s["scale_"] != null ? toF64(array(s["scale_"], "scaler.scale_", path)) : ones,
    pcaMean: toF64(array(p["mean_"], "pca_model.mean_", path)),
    components: toF64(components),
    K,
    G,
    explainedVarianceRatio:
      p["explained_variance_ratio_"] != null
        ? toF64(array(p["explained_variance_ratio_"], "explained_variance_ratio_", path))
        : undefined,
  };
  if (out.genes.length !== G || out.pcaMean.length !== G || out.scalerMean.length !== G) {
    throw new InputError(`inconsistent sizes: ${out.genes.length} genes, components ${K}×${G}`, { file: path });
  }
  return out;
}

function array(v: unknown, what: string, file: string): NdArray {
  const a = asNdArray(v);
  if (!a) throw new InputError(`${what} is not a numpy array`, { file });
  if (a.fortran && a.shape.length > 1) throw new InputError(`${what} is Fortran-ordered; not supported`, { file });
  return a;
}

function toF64(a: NdArray): Float64Array {
  return Float64Array.from(a.data as ArrayLike<number>, Number);
}
