/**
 * The ranking table: one row per method, best overall score first (without one: by the bio, else
 * the batch score; then by key), with bio, batch and each metric some method has ("–" where missing), dimensions, seconds,
 * and a warning marker linking to the method's sanity panel when its sanity check found something.
 */
import type { Metrics, MethodReport } from "../report-data.ts";
import { escapeHtml, formatScore } from "./html-text.ts";

/** The metric columns in display order, with their headings and what they measure. */
export const METRIC_COLUMNS: { key: keyof Metrics; label: string; title: string }[] = [
  { key: "overall", label: "overall", title: "0.6 × bio + 0.4 × batch" },
  { key: "bio", label: "bio", title: "mean of the bio-conservation metrics present" },
  { key: "batch", label: "batch", title: "mean of the batch-correction metrics present" },
  { key: "labelAsw", label: "label ASW", title: "silhouette of the labels (bio)" },
  { key: "nmi", label: "NMI", title: "normalized mutual information of clusters and labels (bio)" },
  { key: "ari", label: "ARI", title: "adjusted Rand index of clusters and labels (bio)" },
  { key: "clisi", label: "cLISI", title: "label local inverse Simpson's index (bio)" },
  { key: "batchAsw", label: "batch ASW", title: "batch silhouette (batch correction)" },
  { key: "ilisi", label: "iLISI", title: "batch local inverse Simpson's index (batch correction)" },
  { key: "graphConnectivity", label: "graph conn.", title: "graph connectivity per label (batch correction)" },
  { key: "knnAccuracy", label: "kNN acc.", title: "leave-one-out 15-NN label accuracy (not in the scores)" },
];

/** Best overall score first; then methods with only a bio score, then only a batch score (best first), then by key. */
export function rankMethods(methods: readonly MethodReport[]): MethodReport[] {
  // tiers: with an overall score, then with only a bio score, then only a batch score, then none
  const tier = (m: MethodReport) =>
    m.metrics.overall !== undefined ? 0 : m.metrics.bio !== undefined ? 1 : m.metrics.batch !== undefined ? 2 : 3;
  const score = (m: MethodReport) => m.metrics.overall ?? m.metrics.bio ?? m.metrics.batch ?? 0;
  return [...methods].sort(
    (a, b) => tier(a) - tier(b) || score(b) - score(a) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** The anchor of a method's sanity panel. */
export function sanityId(index: number): string {
  return `sanity-${index}`;
}

/** `ranked` comes from rankMethods; row i's marker links to sanityId(i). */
export function rankingTable(ranked: readonly MethodReport[]): string {
  const columns = METRIC_COLUMNS.filter((c) => ranked.some((m) => m.metrics[c.key] !== undefined));
  const head = [
    "<th>#</th>",
    "<th class='left'>method</th>",
    ...columns.map((c) => `<th title="${escapeHtml(c.title)}">${escapeHtml(c.label)}</th>`),
    "<th title='dimensions of the embedding'>dim</th>",
    "<th title='dimensions the kNN graph, metrics and 2-D layout used'>used</th>",
    "<th title='seconds spent on this method'>s</th>",
    "<th title='sanity check'>sanity</th>",
  ].join("");
  const rows = ranked.map((m, i) => {
    const warnings = m.sanity.warnings;
    const marker =
      warnings.length > 0
        ? `<a class="warn-mark" href="#${sanityId(i)}" title="${escapeHtml(warnings.join("\n"))}">⚠ ${warnings.length}</a>`
        : `<a class="ok-mark" href="#${sanityId(i)}">ok</a>`;
    const cells = [
      `<td>${i + 1}</td>`,
      `<td class="left key">${escapeHtml(m.key)}</td>`,
      ...columns.map((c) => `<td${c.key === "overall" ? " class='score'" : ""}>${formatScore(m.metrics[c.key])}</td>`),
      `<td>${m.dim}</td>`,
      `<td>${m.usedDim}${m.reducedByPca ? " <span class='muted'>(PCA)</span>" : ""}</td>`,
      `<td>${m.seconds.toFixed(1)}</td>`,
      `<td>${marker}</td>`,
    ];
    return `<tr${warnings.length > 0 ? " class='has-warning'" : ""}>${cells.join("")}</tr>`;
  });
  return `<table id="ranking" class="ranking"><thead><tr>${head}</tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}
