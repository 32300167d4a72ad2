/** Prints what happened to each file and method, and counts failures. */
import type { FileReport } from "../../index.ts";

export function printReports(reports: FileReport[], out: (line: string) => void): number {
  let failures = 0;
  for (const r of reports) {
    out(`${r.input} → ${r.output}`);
    for (const m of r.results) {
      if (m.status === "failed") failures++;
      out(`  ${m.key.padEnd(18)} ${m.status.padEnd(8)} ${m.detail.split("\n")[0]}`);
    }
  }
  return failures;
}
