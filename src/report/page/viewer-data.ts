/**
 * The per-cell part of the report as the page embeds it (`<script type="application/json"
 * id="report-data">`): typed arrays as base64 of their little-endian bytes, cell names as a JSON
 * list. Everything else the page shows is rendered into the HTML itself.
 */
import type { MethodReport, ReportData } from "../report-data.ts";
import { baseName } from "./html-text.ts";

export interface ViewerColumn {
  name: string;
  categories: string[];
  /** base64 of an Int32Array: index into categories, -1 = missing */
  codes: string;
}

export interface ViewerMethod {
  key: string;
  /** base64 of a Float32Array, x0 y0 x1 y1 … */
  umap: string;
}

export interface ViewerData {
  cells: number;
  cellNames: string[];
  /** the input files as the tooltip names them (base names, or full paths when base names repeat) */
  files: string[];
  /** base64 of an Int32Array: index into files */
  cellFile: string;
  columns: ViewerColumn[];
  /** the colourings shown side by side: an index into columns, or -1 for the input file */
  colorBy: number[];
  /** in the order of the ranking table */
  methods: ViewerMethod[];
}

export function viewerData(data: ReportData, methods: readonly MethodReport[]): ViewerData {
  const n = data.sample.cells;
  const check = (what: string, length: number, expected: number) => {
    if (length !== expected) throw new Error(`report data: ${what} has length ${length}, expected ${expected}`);
  };
  check("cellNames", data.cellNames.length, n);
  check("cellFile", data.cellFile.length, n);
  for (const c of data.columns) check(`column ${c.name}`, c.codes.length, n);
  for (const m of methods) check(`${m.key} umap`, m.umap.length, 2 * n);
  const bases = data.inputs.map((i) => baseName(i.path));
  const files = new Set(bases).size === bases.length ? bases : data.inputs.map((i) => i.path);
  return {
    cells: n,
    cellNames: data.cellNames,
    files,
    cellFile: toBase64(data.cellFile),
    columns: data.columns.map((c) => ({ name: c.name, categories: c.categories, codes: toBase64(c.codes) })),
    colorBy: data.columns.length > 0 ? data.columns.map((_, i) => i) : [-1],
    methods: methods.map((m) => ({ key: m.key, umap: toBase64(m.umap) })),
  };
}

/** The bytes of a typed array as base64 (the platform's byte order: little-endian everywhere Node runs). */
export function toBase64(a: Float32Array | Int32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");
}

export function float32FromBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, "base64");
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export function int32FromBase64(b64: string): Int32Array {
  const bytes = Buffer.from(b64, "base64");
  return new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}
