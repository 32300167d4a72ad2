import { genePanelMethod, shippedGeneList } from "./gene-panel.ts";

/** 10,000 genes selected from HPA + GENCODE (the reference's gene_selection_10k.txt). */
export const gs10k = genePanelMethod(
  "gs10k",
  shippedGeneList("gs10k"),
  "log-normalized expression of the 10,000-gene panel",
);
