/**
 * One sanity panel per method: the row counts (non-finite, all-zero and duplicate rows highlighted
 * when present), the warnings, and three charts: the per-dimension variance spectrum, the row-norm
 * histogram and each chunk file's mean distance (outliers in the warning colour).
 */
import type { ChunkMean, Histogram, MethodReport } from "../report-data.ts";
import { escapeHtml, formatAxis, formatCount } from "./html-text.ts";
import { sanityId } from "./ranking-table.ts";
import { barChart } from "./svg-charts.ts";

/** At most this many bars per chart (variance dimensions, histogram bins, chunk files). */
export const MAX_BARS = 200;

/** `ranked` in ranking order; panel i has the id sanityId(i). */
export function sanityPanels(ranked: readonly MethodReport[]): string {
  return ranked.map((m, i) => sanityPanel(m, i)).join("\n");
}

function sanityPanel(m: MethodReport, index: number): string {
  const s = m.sanity;
  const count = (label: string, n: number, warnIfAny: boolean) =>
    `<tr${warnIfAny && n > 0 ? " class='warn'" : ""}><th>${label}</th><td>${formatCount(n)}</td></tr>`;
  const counts = [
    `<table class="counts">`,
    count("rows", s.rows, false),
    count("non-finite rows", s.nonFiniteRows, true),
    count("all-zero rows", s.zeroRows, true),
    count("duplicate rows", s.duplicateRows, true),
    `</table>`,
  ].join("");
  const warnings =
    s.warnings.length > 0
      ? `<ul class="warnings">${s.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul>`
      : `<p class="ok">nothing stands out</p>`;
  const cls = s.warnings.length > 0 ? "panel sanity has-warning" : "panel sanity";
  return [
    `<section class="${cls}" id="${sanityId(index)}">`,
    `<h3>${escapeHtml(m.key)} <span class="muted">${m.dim} dims${m.reducedByPca ? `, PCA to ${m.usedDim}` : ""}</span></h3>`,
    `<div class="panel-body"><div>${counts}${warnings}</div>`,
    varianceChart(s.varianceSpectrum),
    normChart(s.rowNorms),
    chunkChart(s.chunkMeans),
    `</div></section>`,
  ].join("\n");
}

function varianceChart(spectrum: readonly number[]): string {
  const shown = spectrum.slice(0, MAX_BARS);
  const bars = shown.map((v, d) => ({ value: v, title: `dimension ${d + 1} (by variance): ${formatAxis(v)}` }));
  const of = shown.length < spectrum.length ? `, the largest ${shown.length} of ${formatCount(spectrum.length)}` : "";
  return barChart(bars, {
    xFirst: "1",
    xLast: String(shown.length),
    caption: `variance per dimension, largest first${of}`,
  });
}

function normChart(h: Histogram): string {
  const merge = Math.max(1, Math.ceil(h.counts.length / MAX_BARS));
  const bars = [];
  for (let b = 0; b < h.counts.length; b += merge) {
    const end = Math.min(b + merge, h.counts.length);
    let n = 0;
    for (let k = b; k < end; k++) n += h.counts[k]!;
    bars.push({ value: n, title: `${formatAxis(h.edges[b]!)} – ${formatAxis(h.edges[end]!)}: ${formatCount(n)} rows` });
  }
  const first = h.edges[0],
    last = h.edges[h.edges.length - 1];
  return barChart(bars, {
    xFirst: first === undefined ? "" : formatAxis(first),
    xLast: last === undefined ? "" : formatAxis(last),
    caption: "row norms (sampled rows)",
  });
}

function chunkChart(chunks: readonly ChunkMean[]): string {
  let shown = chunks.map((c, i) => ({ c, i }));
  if (shown.length > MAX_BARS) {
    shown = [...shown]
      .sort((a, b) => b.c.distance - a.c.distance)
      .slice(0, MAX_BARS)
      .sort((a, b) => a.i - b.i);
  }
  const bars = shown.map(({ c }) => ({
    value: c.distance,
    warn: c.outlier,
    title: `${c.file} (${formatCount(c.rows)} rows): ${formatAxis(c.distance)} pooled SD${c.outlier ? ", outlier" : ""}`,
  }));
  const outliers = chunks.filter((c) => c.outlier).length;
  const of = shown.length < chunks.length ? ` (the ${shown.length} farthest of ${formatCount(chunks.length)})` : "";
  const caption = `chunk mean distance from the median, per file${of}${outliers > 0 ? `; ${outliers} outlier(s)` : ""}`;
  return barChart(bars, {
    xFirst: shown[0]?.c.file ?? "",
    xLast: shown.length > 1 ? shown[shown.length - 1]!.c.file : "",
    caption,
  });
}
