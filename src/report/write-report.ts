/** Writes the page and report.json beside it, each atomically (a reader never sees half a report). */
import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { OutputError } from "../errors.ts";
import { writeFileAtomic, writeJsonAtomic } from "../store/fs-atomic.ts";
import { renderReportHtml, reportJson } from "./page/render.ts";
import type { ReportData } from "./report-data.ts";

/** report.html → report.json; any other name gets ".json" appended. */
export function jsonPathOf(html: string): string {
  return html.endsWith(".html") ? `${html.slice(0, -".html".length)}.json` : `${html}.json`;
}

export async function writeReport(data: ReportData, html: string): Promise<{ html: string; json: string }> {
  if (!existsSync(dirname(html)))
    throw new OutputError(`the folder of ${html} does not exist`, {
      file: html,
      fix: "create it or pass --out elsewhere",
    });
  const json = jsonPathOf(html);
  await writeFileAtomic(html, renderReportHtml(data));
  await writeJsonAtomic(json, reportJson(data));
  return { html, json };
}
