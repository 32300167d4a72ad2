/**
 * A file's expression streams (raw counts, log-normalized), each source chosen once per file on
 * first use and logged; the row blocks of the embedding loop, of a dataset scan and of a
 * method's own preparation (tokenization) all come from here.
 */
import type { AnnDataReader } from "../anndata/anndata-reader.ts";
import type { Logger } from "../logger.ts";
import type { ExpressionInput, FileInputs } from "../methods/method.ts";
import { rowRanges } from "../store/row-ranges.ts";
import { countsSource, lognormSource, type RowSource, type XIs } from "./expression-source.ts";

export interface InputSettings {
  xIs: XIs;
  /** rows per block, unless a reader asks for fewer */
  chunkRows: number;
  /** where each source's choice is logged; none for dataset scans */
  log?: Logger;
}

const LABEL: Record<ExpressionInput, string> = { lognorm: "expression", counts: "raw counts" };

export function fileInputs(reader: AnnDataReader, s: InputSettings): FileInputs {
  const sources = new Map<ExpressionInput, Promise<RowSource>>();
  const source = (input: ExpressionInput): Promise<RowSource> => {
    let found = sources.get(input);
    if (!found) {
      found = (input === "counts" ? countsSource(reader, s.xIs) : lognormSource(reader, s.xIs)).then((src) => {
        s.log?.info(`${LABEL[input]}: ${src.reason}`);
        return src;
      });
      sources.set(input, found);
    }
    return found;
  };
  return {
    open: async (input) => void (await source(input)),
    countsKey: async () => (await source("counts")).matrix.key,
    read: async (input, r0, r1) => (await source(input)).read(r0, r1),
    async *blocks(input, rows = s.chunkRows) {
      const src = await source(input);
      for (const [r0, r1] of rowRanges(reader.nObs, Math.min(rows, s.chunkRows)))
        yield { r0, block: await src.read(r0, r1) };
    },
  };
}
