import { genePanelMethod, shippedGeneList } from "./gene-panel.ts";

/** 3,936 genes common to the census scVI model's genes and the reference's training data. */
export const gs = genePanelMethod(
  "gs",
  shippedGeneList("gs"),
  "log-normalized expression of the 3,936-gene common panel",
);
