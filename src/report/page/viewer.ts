/**
 * The page's viewer: draws each method's 2-D layout on canvases (one per colouring: batch, label,
 * or the input file), the legends, and the hover tooltip (a grid index per method finds the nearest
 * cell). `startViewer` runs in the browser and closes over nothing: `viewerScript()` inlines it and
 * the `viewer-lib.ts` functions it is handed, as source. When every view is drawn it sets
 * `window.scembedReport.ready` (the browser test and the screenshot script wait for it).
 */
import type { ViewerData } from "./viewer-data.ts";
import { buildGrid, colorSlots, decodeBase64, layoutPoints, nearestPoint } from "./viewer-lib.ts";

export interface ViewerLib {
  decodeBase64: typeof decodeBase64;
  colorSlots: typeof colorSlots;
  layoutPoints: typeof layoutPoints;
  buildGrid: typeof buildGrid;
  nearestPoint: typeof nearestPoint;
}

/** What the page exposes as `window.scembedReport` (for tests and screenshots). */
export interface ReportViewerApi {
  ready: boolean;
  /** one per scatter canvas, in document order (`data-view` on the canvas) */
  views: { method: string; colorBy: string; points: number }[];
  /** where a cell is drawn in a view, in client (viewport) coordinates */
  pointPosition(view: number, cell: number): { x: number; y: number };
}

export function startViewer(lib: ViewerLib, size: number): void {
  // biome-ignore format: a table
  const PALETTE = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#9edae5", "#dbdb8d", "#393b79",
    "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354", "#756bb1", "#636363", "#e7ba52",
  ];
  const OTHER = "#c9c9c9",
    MISSING = "#ececec",
    DOT = 2,
    RADIUS = 6;
  const dpr = window.devicePixelRatio || 1;
  const data = JSON.parse(document.getElementById("report-data")!.textContent!) as ViewerData;
  const n = data.cells;
  const cellFile = new Int32Array(lib.decodeBase64(data.cellFile));
  const columns = data.columns.map((c) => ({
    name: c.name,
    categories: c.categories,
    codes: new Int32Array(lib.decodeBase64(c.codes)),
  }));
  const colorings = data.colorBy.map((i) =>
    i < 0 ? { name: "file", categories: data.files, codes: cellFile } : columns[i]!,
  );
  const slots = colorings.map((c) => lib.colorSlots(c.codes, c.categories.length, PALETTE.length));
  const colorOf = (s: number) => (s < PALETTE.length ? PALETTE[s]! : s === PALETTE.length ? OTHER : MISSING);
  const layouts = data.methods.map((m) => lib.layoutPoints(new Float32Array(lib.decodeBase64(m.umap)), size, size, 8));
  const grids = layouts.map((l) => lib.buildGrid(l.x, l.y, size, size, 8));

  function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  colorings.forEach((c, j) => {
    const box = document.getElementById(`legend-${j}`);
    if (!box) return;
    const s = slots[j]!;
    const item = (color: string, label: string, count: number) => {
      const row = el("span", "legend-item");
      const swatch = el("i", "swatch");
      swatch.style.background = color;
      row.append(swatch, el("span", "", `${label} (${count.toLocaleString("en-US")})`));
      box.append(row);
    };
    s.top.forEach((cat, slot) => item(colorOf(slot), c.categories[cat]!, s.counts[slot]!));
    const others = c.categories.length - s.top.length;
    if (s.counts[PALETTE.length]! > 0) item(OTHER, `other (${others} categories)`, s.counts[PALETTE.length]!);
    if (s.counts[PALETTE.length + 1]! > 0) item(MISSING, "missing", s.counts[PALETTE.length + 1]!);
  });

  const canvases = Array.from(document.querySelectorAll<HTMLCanvasElement>("canvas.scatter"));
  const viewOf = (canvas: HTMLCanvasElement) => ({
    method: Number(canvas.dataset["method"]),
    coloring: Number(canvas.dataset["coloring"]),
  });
  const api: ReportViewerApi = {
    ready: false,
    views: canvases.map((canvas) => {
      const v = viewOf(canvas);
      return { method: data.methods[v.method]!.key, colorBy: colorings[v.coloring]!.name, points: n };
    }),
    pointPosition(view, cell) {
      const canvas = canvases[view]!;
      const layout = layouts[viewOf(canvas).method]!;
      const rect = canvas.getBoundingClientRect();
      return { x: rect.left + layout.x[cell]!, y: rect.top + layout.y[cell]! };
    },
  };
  (window as unknown as { scembedReport: ReportViewerApi }).scembedReport = api;

  function draw(canvas: HTMLCanvasElement): void {
    const v = viewOf(canvas);
    const layout = layouts[v.method]!;
    const s = slots[v.coloring]!;
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(size * dpr);
    canvas.style.width = `${size}px`;
    canvas.style.height = `${size}px`;
    const ctx = canvas.getContext("2d", { alpha: true })!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    let slot = -1,
      drawn = 0;
    for (let k = 0; k < s.order.length; k++) {
      const i = s.order[k]!;
      const x = layout.x[i]!,
        y = layout.y[i]!;
      if (Number.isNaN(x) || Number.isNaN(y)) continue; // not finite in 2-D
      if (s.slot[i] !== slot) {
        slot = s.slot[i]!;
        ctx.fillStyle = colorOf(slot);
      }
      ctx.fillRect(x - DOT / 2, y - DOT / 2, DOT, DOT);
      drawn++;
    }
    canvas.dataset["pointsDrawn"] = String(drawn);
  }

  const tooltip = document.getElementById("tooltip")!;
  function hover(canvas: HTMLCanvasElement, e: MouseEvent): void {
    const v = viewOf(canvas);
    const rect = canvas.getBoundingClientRect();
    const layout = layouts[v.method]!;
    const i = lib.nearestPoint(
      grids[v.method]!,
      layout.x,
      layout.y,
      e.clientX - rect.left,
      e.clientY - rect.top,
      RADIUS,
    );
    if (i < 0) {
      tooltip.hidden = true;
      return;
    }
    tooltip.replaceChildren(
      el("div", "tip-name", data.cellNames[i]!),
      el("div", "", `file: ${data.files[cellFile[i]!]}`),
    );
    for (const c of columns) {
      const code = c.codes[i]!;
      tooltip.append(el("div", "", `${c.name}: ${code >= 0 ? c.categories[code] : "(missing)"}`));
    }
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - tooltip.offsetWidth - 4)}px`;
    tooltip.style.top = `${Math.min(e.clientY + 14, window.innerHeight - tooltip.offsetHeight - 4)}px`;
  }
  for (const canvas of canvases) {
    canvas.addEventListener("mousemove", (e) => hover(canvas, e));
    canvas.addEventListener("mouseleave", () => {
      tooltip.hidden = true;
    });
  }

  // one view per task, so the page stays responsive while 50,000-point views are drawn
  let next = 0;
  function drawNext(): void {
    if (next < canvases.length) {
      draw(canvases[next++]!);
      setTimeout(drawNext, 0);
    } else {
      api.ready = true;
      document.body.dataset["ready"] = "true";
    }
  }
  drawNext();
}

/** The viewer as a script body: `startViewer` called with the lib functions, all as source. */
export function viewerScript(size: number): string {
  const lib: ViewerLib = { decodeBase64, colorSlots, layoutPoints, buildGrid, nearestPoint };
  const entries = Object.entries(lib).map(([name, fn]) => `${name}: ${(fn as () => unknown).toString()}`);
  return `"use strict";\n(${startViewer.toString()})({\n${entries.join(",\n")}\n}, ${size});\n`;
}
