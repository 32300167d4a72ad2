/**
 * The 2-D views section's markup: one legend per colouring (the viewer fills it), then a card per
 * method (ranking order) with one canvas per colouring side by side; the cards wrap, two to a row
 * on a 1280-pixel screen. The viewer draws into the canvases by their data-method/data-coloring.
 */
import type { MethodReport, ReportData } from "../report-data.ts";
import { escapeHtml, formatScore } from "./html-text.ts";

/** Width and height of each view, in CSS pixels. */
export const VIEW_SIZE = 280;

/** `colorBy` as in ViewerData: a column index, or -1 for the input file. */
export function viewsSection(data: ReportData, ranked: readonly MethodReport[], colorBy: readonly number[]): string {
  const names = colorBy.map((i) => (i < 0 ? "file" : data.columns[i]!.name));
  const role = (name: string) =>
    name === data.sample.batchKey ? " (batch)" : name === data.sample.labelKey ? " (label)" : " (input file)";
  const legends = names.map(
    (name, j) =>
      `<div class="legend-box"><b>${escapeHtml(name)}</b><span class="muted">${role(name)}</span>` +
      `<div class="legend" id="legend-${j}"></div></div>`,
  );
  let view = 0;
  const cards = ranked.map((m, i) => {
    const score =
      m.metrics.overall !== undefined ? ` <span class="muted">overall ${formatScore(m.metrics.overall)}</span>` : "";
    const warn = m.sanity.warnings.length > 0 ? ` <span class="warn-mark" title="see its sanity panel">⚠</span>` : "";
    const figures = names.map(
      (name, j) =>
        `<figure class="view"><canvas class="scatter" data-view="${view++}" data-method="${i}" data-coloring="${j}" ` +
        `width="${VIEW_SIZE}" height="${VIEW_SIZE}" aria-label="${escapeHtml(`${m.key} coloured by ${name}`)}"></canvas>` +
        `<figcaption>${escapeHtml(name)}</figcaption></figure>`,
    );
    return `<div class="view-card"><h3><span class="key">${escapeHtml(m.key)}</span>${score}${warn}</h3><div class="view-row">${figures.join("")}</div></div>`;
  });
  return `<div class="legends">${legends.join("\n")}</div>\n<div class="view-cards">\n${cards.join("\n")}\n</div>`;
}
