/** Prints the summary (file × method → status, seconds, cells/s) and counts what did not end well. */
import { formatSummary, summarize, type FileReport } from "../../index.ts";

export function printReports(reports: FileReport[], out: (line: string) => void): number {
  // an error of a whole file is said once, before the table
  for (const r of reports) if (r.error) out(`${r.input}: error: ${r.error.split("\n")[0]}`);
  const summary = summarize(reports);
  if (summary.rows.length > 0) out(formatSummary(summary));
  return (summary.counts.failed ?? 0) + (summary.counts.interrupted ?? 0);
}
