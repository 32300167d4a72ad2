/**
 * `report.json`: the report without its per-cell arrays (2-D layouts, column codes, cell names and
 * files), as plain JSON-serialisable data.
 */
import type { InputInfo, Metrics, ReportData, Sanity, SampleInfo } from "../report-data.ts";

export interface ReportJson {
  title: string;
  created: string;
  version: string;
  inputs: InputInfo[];
  sample: SampleInfo;
  /** the batch and label columns' names and categories (their per-cell codes left out) */
  columns: { name: string; categories: string[] }[];
  notes: string[];
  skipped: string[];
  methods: {
    key: string;
    dim: number;
    usedDim: number;
    reducedByPca: boolean;
    seconds: number;
    metrics: Metrics;
    sanity: Sanity;
  }[];
}

export function reportJson(data: ReportData): ReportJson {
  const copy = <T>(x: T): T => structuredClone(x);
  return {
    title: data.title,
    created: data.created,
    version: data.version,
    inputs: copy(data.inputs),
    sample: copy(data.sample),
    columns: data.columns.map((c) => ({ name: c.name, categories: [...c.categories] })),
    notes: [...data.notes],
    skipped: [...data.skipped],
    methods: data.methods.map((m) => ({
      key: m.key,
      dim: m.dim,
      usedDim: m.usedDim,
      reducedByPca: m.reducedByPca,
      seconds: m.seconds,
      metrics: copy(m.metrics),
      sanity: copy(m.sanity),
    })),
  };
}
