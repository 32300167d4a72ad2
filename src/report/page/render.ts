/**
 * `scembed report`'s outputs from a ReportData: the page (`renderReportHtml`, one self-contained
 * HTML file: stylesheet, viewer script and data inlined, nothing fetched) and `report.json`
 * (`reportJson`). The page: title and provenance, inputs, sample, notes and skipped arrays; the
 * ranking table; the 2-D views side by side (a card per method, a canvas per colouring, with
 * hover); a sanity panel per method.
 */
import type { ReportData } from "../report-data.ts";
import { escapeHtml, formatCount, jsonInScript } from "./html-text.ts";
import { PAGE_STYLE } from "./page-style.ts";
import { rankingTable, rankMethods } from "./ranking-table.ts";
import { sanityPanels } from "./sanity-panels.ts";
import { viewerScript } from "./viewer.ts";
import { viewerData } from "./viewer-data.ts";
import { VIEW_SIZE, viewsSection } from "./views-section.ts";

export { reportJson } from "./report-json.ts";
export type { ReportViewerApi } from "./viewer.ts";

export function renderReportHtml(data: ReportData): string {
  const ranked = rankMethods(data.methods);
  const payload = viewerData(data, ranked);
  const script = viewerScript(VIEW_SIZE);
  if (/<\/script|<!--/i.test(script)) throw new Error("the viewer script must not contain </script or <!--");
  return [
    "<!DOCTYPE html>",
    `<html lang="en"><head><meta charset="utf-8">`,
    `<meta name="viewport" content="width=device-width, initial-scale=1">`,
    `<title>${escapeHtml(data.title)}</title>`,
    `<style>${PAGE_STYLE}</style></head><body>`,
    header(data),
    `<h2>Ranking</h2>`,
    ranked.length > 0 ? rankingTable(ranked) : `<p class="muted">no embeddings to compare</p>`,
    `<h2>2-D views <span class="muted">(UMAP of each embedding; hover a point)</span></h2>`,
    viewsSection(data, ranked, payload.colorBy),
    `<h2>Sanity checks</h2>`,
    `<div class="panels">${sanityPanels(ranked)}</div>`,
    `<div id="tooltip" class="tooltip" hidden></div>`,
    `<script type="application/json" id="report-data">${jsonInScript(payload)}</script>`,
    `<script>${script}</script>`,
    "</body></html>",
    "",
  ].join("\n");
}

function header(data: ReportData): string {
  const s = data.sample;
  const keys = [
    s.batchKey ? `batch key <b>${escapeHtml(s.batchKey)}</b>` : "no batch key",
    s.labelKey ? `label key <b>${escapeHtml(s.labelKey)}</b>` : "no label key",
  ].join(", ");
  const sample =
    `${formatCount(s.cells)} of ${formatCount(s.totalCells)} cells sampled (at most ${formatCount(s.maxCells)}, ` +
    `seed ${s.seed}), proportional to ${escapeHtml(s.strata)}; ${keys}.`;
  const inputs = data.inputs
    .map(
      (i) =>
        `<tr><td>${escapeHtml(i.path)}</td><td>${formatCount(i.cells)}</td><td>${formatCount(i.sampled)}</td></tr>`,
    )
    .join("");
  const list = (cls: string, items: readonly string[]) =>
    items.length > 0 ? `<ul class="${cls}">${items.map((x) => `<li>${escapeHtml(x)}</li>`).join("")}</ul>` : "";
  return [
    `<header><h1>${escapeHtml(data.title)}</h1>`,
    `<div class="meta">created ${escapeHtml(data.created)} · scembed ${escapeHtml(data.version)}</div></header>`,
    `<p class="sample">${sample}</p>`,
    list("notes", data.notes),
    data.skipped.length > 0 ? `<h3>Skipped</h3>${list("skipped", data.skipped)}` : "",
    `<details${data.inputs.length <= 8 ? " open" : ""}><summary>${data.inputs.length} input file(s)</summary>`,
    `<table class="inputs"><thead><tr><th class="left">path</th><th>cells</th><th>sampled</th></tr></thead>`,
    `<tbody>${inputs}</tbody></table></details>`,
  ].join("\n");
}
